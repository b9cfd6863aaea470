using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// /proc/&lt;pid&gt; held by an O_PATH descriptor while the network evidence is read. Paths go
/// through "/proc/self/fd/N/...", so they reach that very process: when it exits and its number
/// is reused, lookups fail (ENOENT) instead of reading the newcomer's namespace (proc(5)).
/// O_PATH opens nothing of the directory itself.
/// </summary>
internal sealed partial class PinnedProcess : IDisposable
{
    private const int O_CLOEXEC = 0x80000;
    private const int O_PATH = 0x200000;

    private readonly SafeFileHandle _handle;
    private readonly string _base;

    private PinnedProcess(int pid, SafeFileHandle handle, string basePath)
    {
        Pid = pid;
        _handle = handle;
        _base = basePath;
    }

    public int Pid { get; }

    /// <summary>Opens <paramref name="procRoot"/>/&lt;pid&gt;; null with the errno when it cannot be (ENOENT: no such process).</summary>
    public static PinnedProcess? Open(string procRoot, int pid, out int errno)
    {
        string path = procRoot.TrimEnd('/') + "/" + pid.ToString(CultureInfo.InvariantCulture);
        int fd = SysOpen(path, O_PATH | O_CLOEXEC);
        if (fd < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        var handle = new SafeFileHandle(fd, ownsHandle: true);
        return new PinnedProcess(pid, handle, "/proc/self/fd/" + fd.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>"/proc/self/fd/N/<paramref name="relative"/>": valid while this object is alive.</summary>
    public string PathOf(string relative) => _base + "/" + relative;

    /// <summary>readlink of a link under the process ("ns/net" gives "net:[4026531840]"); null with why when it fails.</summary>
    public string? ReadLink(string relative, out string? problem)
    {
        problem = null;
        try
        {
            string? target = new FileInfo(PathOf(relative)).LinkTarget;
            if (target is null)
            {
                problem = $"{relative} is not a link or is gone";
            }
            return target;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"readlink {relative}: {ex.Message}";
            return null;
        }
    }

    public void Dispose() => _handle.Dispose();

    // open(2) is variadic in C; the mode argument is only read with O_CREAT or O_TMPFILE, never passed here.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SysOpen(string path, int flags);
}
