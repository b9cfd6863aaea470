using System.Runtime.InteropServices;
using System.Text;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// Reads and sets extended attributes through libc, since getfattr/setfattr (package attr) are
/// not installed here; lgetxattr/lsetxattr do not follow symlinks.
/// </summary>
internal static partial class Xattr
{
    public static byte[]? Get(string path, string name)
    {
        var buffer = new byte[65536];
        nint n = LGetXattr(Encoding.UTF8.GetBytes(path + "\0"), Encoding.UTF8.GetBytes(name + "\0"), buffer, buffer.Length);
        return n < 0 ? null : buffer[..(int)n];
    }

    public static void Set(string path, string name, byte[] value)
    {
        int rc = LSetXattr(Encoding.UTF8.GetBytes(path + "\0"), Encoding.UTF8.GetBytes(name + "\0"), value, value.Length, 0);
        if (rc != 0)
        {
            throw new IOException($"lsetxattr {path} {name} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [LibraryImport("libc", EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint LGetXattr(byte[] path, byte[] name, byte[] value, nint size);

    [LibraryImport("libc", EntryPoint = "lsetxattr", SetLastError = true)]
    private static partial int LSetXattr(byte[] path, byte[] name, byte[] value, nint size, int flags);
}
