using System.Globalization;
using System.Text;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// /proc/&lt;pid&gt; held open as a directory descriptor for the whole capture of one process.
/// Everything of the process is reached relative to it, never by "/proc/&lt;pid&gt;/..." again:
/// the descriptor stays bound to that very process, so when it exits and the number is reused,
/// lookups fail (ENOENT, ESRCH) instead of silently reading the newcomer (proc(5)).
/// </summary>
internal sealed class ProcessDirectory : IDisposable
{
    private readonly UnixFd _fd;

    private ProcessDirectory(int pid, UnixFd fd)
    {
        Pid = pid;
        _fd = fd;
    }

    public int Pid { get; }

    /// <summary>"/proc/&lt;pid&gt;", for descriptions in the manifest.</summary>
    public string Path => "/proc/" + Pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Opens /proc/&lt;pid&gt;; ENOENT when the process is gone.</summary>
    public static int Open(string procRoot, int pid, out ProcessDirectory? directory)
    {
        directory = null;
        byte[] path = Encoding.UTF8.GetBytes(procRoot.TrimEnd('/') + "/" + pid.ToString(CultureInfo.InvariantCulture));
        int errno = HostNative.OpenAt(HostNative.AT_FDCWD, path, HostNative.O_RDONLY | HostNative.O_DIRECTORY | HostNative.O_CLOEXEC | HostNative.O_NOFOLLOW, out int fd);
        if (errno == 0)
        {
            directory = new ProcessDirectory(pid, new UnixFd(fd));
        }
        return errno;
    }

    /// <summary>
    /// A path that reaches <paramref name="name"/> of this process through our own descriptor,
    /// "/proc/self/fd/N/name", for <see cref="HostFile.Capture(byte[], CaptureLimits)"/>, which takes paths.
    /// The caller keeps this object alive (and so the descriptor open) while the path is used.
    /// </summary>
    public byte[] PathThroughDescriptor(string name)
    {
        using var lease = _fd.Borrow();
        return Encoding.UTF8.GetBytes("/proc/self/fd/" + lease.Fd.ToString(CultureInfo.InvariantCulture) + "/" + name);
    }

    /// <summary>readlink of a link of the process (exe, cwd, root, fd/3, ns/net), byte-exact.</summary>
    public int ReadLink(string name, out byte[]? target)
    {
        using var lease = _fd.Borrow();
        return HostNative.ReadLinkAt(lease.Fd, Encoding.UTF8.GetBytes(name), out target);
    }

    /// <summary>Names in a directory of the process (fd, ns).</summary>
    public int List(string directoryName, out List<byte[]> names)
    {
        names = [];
        int errno;
        int fd;
        using (var lease = _fd.Borrow())
        {
            errno = HostNative.OpenAt(lease.Fd, Encoding.UTF8.GetBytes(directoryName), HostNative.O_RDONLY | HostNative.O_DIRECTORY | HostNative.O_CLOEXEC | HostNative.O_NOFOLLOW, out fd);
        }
        return errno != 0 ? errno : HostNative.ReadDirectoryNames(fd, names);
    }

    /// <summary>statx of an entry of the process directory, following it (ns/pid → the namespace's nsfs inode).</summary>
    public FileStat? StatFollow(string name, out int errno)
    {
        using var lease = _fd.Borrow();
        return Stat.At(lease.Fd, Encoding.UTF8.GetBytes(name), followFinalSymlink: true, out errno);
    }

    /// <summary>lstat of an entry of the process directory (fd/3 itself: its permission bits show the open mode).</summary>
    public FileStat? StatNoFollow(string name, out int errno)
    {
        using var lease = _fd.Borrow();
        return Stat.At(lease.Fd, Encoding.UTF8.GetBytes(name), followFinalSymlink: false, out errno);
    }

    /// <summary>Opens an entry of the process directory; the caller owns the descriptor.</summary>
    public int OpenAt(string name, int flags, out UnixFd? fd)
    {
        fd = null;
        using var lease = _fd.Borrow();
        int errno = HostNative.OpenAt(lease.Fd, Encoding.UTF8.GetBytes(name), flags, out int raw);
        if (errno == 0)
        {
            fd = new UnixFd(raw);
        }
        return errno;
    }

    /// <summary>
    /// Whether the process has exited or is exiting right now: reaped (its directory no longer
    /// answers), a zombie ('Z', 'X'), or inside exit(2) (PF_EXITING in stat's flags field), when
    /// /proc files start failing with EINVAL or reading empty. Failures seen then are the
    /// process going away, not unreadable evidence.
    /// </summary>
    public bool IsExiting()
    {
        const uint PfExiting = 0x4; // include/linux/sched.h
        int errno;
        int fd;
        using (var lease = _fd.Borrow())
        {
            errno = HostNative.OpenAt(lease.Fd, "stat"u8, HostNative.O_RDONLY | HostNative.O_CLOEXEC | HostNative.O_NOFOLLOW, out fd);
        }
        if (errno != 0)
        {
            return true;
        }
        using var stat = new UnixFd(fd);
        using var read = stat.Borrow();
        Span<byte> buffer = stackalloc byte[1024];
        long n = HostNative.Pread(read.Fd, buffer, 0);
        if (n <= 0)
        {
            return true;
        }
        var text = buffer[..(int)n];
        int close = text.LastIndexOf((byte)')');
        if (close < 0 || close + 2 >= text.Length)
        {
            return false;
        }
        // After ") ": state, ppid, pgrp, session, tty_nr, tpgid, flags (fields 3..9).
        var fields = Encoding.ASCII.GetString(text[(close + 2)..]).Split(' ');
        return fields[0] is "Z" or "X" ||
               (fields.Length > 6 && uint.TryParse(fields[6], NumberStyles.None, CultureInfo.InvariantCulture, out uint flags) && (flags & PfExiting) != 0);
    }

    public void Dispose() => _fd.Dispose();
}
