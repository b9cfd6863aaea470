using System.Runtime.InteropServices;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// The four system calls the memory dump needs: openat(2) relative to the pinned /proc/&lt;pid&gt;
/// descriptor, pread(2) of /proc/&lt;pid&gt;/mem and of small /proc files, close(2), and statx(2)
/// of a mapped file (through /proc/&lt;pid&gt;/map_files) to recognise device mappings. Every
/// wrapper returns 0 or an errno (pread: the count or -errno) and never throws for a bad source.
/// Only 64-bit Linux.
/// </summary>
internal static unsafe partial class MemoryNative
{
    private const string Libc = "libc";

    public const int AT_FDCWD = -100;
    public const int AT_NO_AUTOMOUNT = 0x800;
    public const int O_RDONLY = 0;
    public const int O_CLOEXEC = 0x80000;

    /// <summary>ESRCH: the process of a /proc descriptor has been reaped.</summary>
    public const int ESRCH = 3;

    public const uint STATX_TYPE = 0x1;
    public const uint S_IFMT = 0xF000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFBLK = 0x6000;

    /// <summary>O_DIRECTORY differs on arm64 and powerpc (arch fcntl.h).</summary>
    public static readonly int O_DIRECTORY;

#pragma warning disable CA1810 // the value depends on the architecture, known only at run time
    static MemoryNative()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            throw new PlatformNotSupportedException("process memory dumps need 64-bit Linux");
        }
        O_DIRECTORY = RuntimeInformation.ProcessArchitecture is Architecture.Arm64 or Architecture.Ppc64le ? 0x4000 : 0x10000;
    }

    /// <summary>The part of struct statx (include/uapi/linux/stat.h, 256 bytes on every architecture) read here.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
    }

    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true)]
    private static partial int SysOpenAt(int dirfd, byte* pathname, int flags);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int SysClose(int fd);

    [LibraryImport(Libc, EntryPoint = "pread", SetLastError = true)]
    private static partial nint SysPread(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true)]
    private static partial int SysStatx(int dirfd, byte* pathname, int flags, uint mask, StatxBuffer* statxbuf);

    /// <summary>openat(2), retried on EINTR; the caller owns the descriptor on success.</summary>
    public static int OpenAt(int dirfd, string path, int flags, out int fd)
    {
        fd = -1;
        byte[] z = NulTerminated(path);
        fixed (byte* p = z)
        {
            int rc;
            do
            {
                rc = SysOpenAt(dirfd, p, flags);
            }
            while (rc < 0 && Marshal.GetLastPInvokeError() == UnixError.EINTR);
            if (rc < 0)
            {
                return Marshal.GetLastPInvokeError();
            }
            fd = rc;
            return 0;
        }
    }

    public static int Close(int fd) => SysClose(fd) < 0 ? Marshal.GetLastPInvokeError() : 0;

    /// <summary>pread(2), retried on EINTR; the byte count (0 at the end) or -errno.</summary>
    public static long Pread(int fd, Span<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = SysPread(fd, p, (nuint)buffer.Length, offset);
                if (n >= 0)
                {
                    return n;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != UnixError.EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>statx(2) of <paramref name="path"/> relative to <paramref name="dirfd"/>, following a final (magic) link.</summary>
    public static int Statx(int dirfd, string path, out StatxBuffer buffer)
    {
        buffer = default;
        byte[] z = NulTerminated(path);
        fixed (byte* p = z)
        fixed (StatxBuffer* b = &buffer)
        {
            int rc;
            do
            {
                rc = SysStatx(dirfd, p, AT_NO_AUTOMOUNT, STATX_TYPE, b);
            }
            while (rc < 0 && Marshal.GetLastPInvokeError() == UnixError.EINTR);
            return rc < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
    }

    /// <summary>Paths here are ASCII names chosen by this code ("maps", "task/12/stat"), never bytes from a source.</summary>
    private static byte[] NulTerminated(string path)
    {
        var z = new byte[path.Length + 1];
        for (int i = 0; i < path.Length; i++)
        {
            z[i] = checked((byte)path[i]);
        }
        return z;
    }
}
