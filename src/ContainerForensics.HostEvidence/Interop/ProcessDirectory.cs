using System.Buffers;
using System.Globalization;
using System.Text;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Interop;

/// <summary>
/// /proc/&lt;pid&gt; held open as a directory descriptor while one process is captured: its
/// files and links (processes), its network state (network) and its memory (memory dumps).
/// Everything of the process is reached relative to it, never by "/proc/&lt;pid&gt;/..." again:
/// the descriptor stays bound to that very process, so when it exits and the number is reused,
/// lookups fail (ENOENT, ESRCH) instead of silently reading the newcomer (proc(5)).
/// </summary>
internal sealed class ProcessDirectory : IDisposable
{
    private readonly FileDescriptor _fd;

    private ProcessDirectory(int pid, FileDescriptor fd)
    {
        Pid = pid;
        _fd = fd;
    }

    public int Pid { get; }

    /// <summary>"/proc/&lt;pid&gt;", for descriptions in the manifest.</summary>
    public string Path => "/proc/" + Pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Opens <paramref name="procRoot"/>/&lt;pid&gt;; ENOENT when the process is gone.</summary>
    public static int Open(string procRoot, int pid, out ProcessDirectory? directory)
    {
        directory = null;
        byte[] path = Encoding.UTF8.GetBytes(procRoot.TrimEnd('/') + "/" + pid.ToString(CultureInfo.InvariantCulture));
        int errno = Native.OpenAt(Native.AT_FDCWD, path, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC | Native.O_NOFOLLOW, out int fd);
        if (errno == 0)
        {
            directory = new ProcessDirectory(pid, new FileDescriptor(fd));
        }
        return errno;
    }

    /// <summary>
    /// "/proc/self/fd/N/<paramref name="name"/>": a path that reaches an entry of this process
    /// through our own descriptor, for APIs that take paths. The caller keeps this object alive
    /// (and so the descriptor open) while the path is used.
    /// </summary>
    public string PathOf(string name)
    {
        using var lease = _fd.Borrow();
        return "/proc/self/fd/" + lease.Fd.ToString(CultureInfo.InvariantCulture) + "/" + name;
    }

    /// <summary><see cref="PathOf"/> as bytes, for <see cref="HostFile.Capture(byte[], CaptureLimits)"/>.</summary>
    public byte[] PathThroughDescriptor(string name) => Encoding.UTF8.GetBytes(PathOf(name));

    /// <summary>readlink of a link of the process (exe, cwd, root, fd/3, ns/net), byte-exact.</summary>
    public int ReadLink(string name, out byte[]? target)
    {
        using var lease = _fd.Borrow();
        return Native.ReadLinkAt(lease.Fd, Encoding.UTF8.GetBytes(name), out target);
    }

    /// <summary>readlink of a link of the process as text ("ns/net" gives "net:[4026531840]"); null with why when it fails.</summary>
    public string? ReadLinkText(string name, out string? problem)
    {
        problem = null;
        try
        {
            string? target = new FileInfo(PathOf(name)).LinkTarget;
            if (target is null)
            {
                problem = $"{name} is not a link or is gone";
            }
            return target;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"readlink {name}: {ex.Message}";
            return null;
        }
    }

    /// <summary>Names in a directory of the process (fd, ns).</summary>
    public int List(string directoryName, out List<byte[]> names)
    {
        names = [];
        int errno;
        int fd;
        using (var lease = _fd.Borrow())
        {
            errno = Native.OpenAt(lease.Fd, Encoding.UTF8.GetBytes(directoryName), Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC | Native.O_NOFOLLOW, out fd);
        }
        return errno != 0 ? errno : DirectoryHandle.ReadNamesAndClose(fd, names);
    }

    /// <summary>
    /// The numeric names in a directory of the process (task/), read through our own descriptor
    /// ("/proc/self/fd/N/task") so they belong to the pinned process.
    /// </summary>
    public int ListNumbers(string directoryName, out List<int> numbers)
    {
        numbers = [];
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(PathOf(directoryName)))
            {
                if (int.TryParse(System.IO.Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int n))
                {
                    numbers.Add(n);
                }
            }
            return 0;
        }
        catch (UnauthorizedAccessException)
        {
            return UnixError.EACCES;
        }
        catch (DirectoryNotFoundException)
        {
            return UnixError.ENOENT;
        }
        catch (IOException)
        {
            return UnixError.EIO;
        }
    }

    /// <summary>statx of an entry of the process directory, following it (ns/pid → the namespace's nsfs inode, map_files/… → the mapped file).</summary>
    public FileStat? StatFollow(string name, out int errno)
    {
        using var lease = _fd.Borrow();
        return FileStat.At(lease.Fd, Encoding.UTF8.GetBytes(name), followFinalSymlink: true, out errno);
    }

    /// <summary>lstat of an entry of the process directory (fd/3 itself: its permission bits show the open mode).</summary>
    public FileStat? StatNoFollow(string name, out int errno)
    {
        using var lease = _fd.Borrow();
        return FileStat.At(lease.Fd, Encoding.UTF8.GetBytes(name), followFinalSymlink: false, out errno);
    }

    /// <summary>Opens an entry of the process directory; the caller owns the descriptor.</summary>
    public int OpenAt(string name, int flags, out FileDescriptor? fd)
    {
        fd = null;
        using var lease = _fd.Borrow();
        int errno = Native.OpenAt(lease.Fd, Encoding.UTF8.GetBytes(name), flags, out int raw);
        if (errno == 0)
        {
            fd = new FileDescriptor(raw);
        }
        return errno;
    }

    /// <summary>Opens a file of the process read-only; the caller owns the descriptor.</summary>
    public int Open(string name, out FileDescriptor? fd) => OpenAt(name, Native.O_RDONLY | Native.O_CLOEXEC, out fd);

    /// <summary>
    /// Reads a small file of the process whole, up to <paramref name="maxBytes"/> (the rest is
    /// ignored: psargs needs 80 bytes of cmdline, not all of it).
    /// </summary>
    public int ReadFile(string name, int maxBytes, out byte[] content)
    {
        content = [];
        int errno = Open(name, out var fd);
        if (errno != 0)
        {
            return errno;
        }
        using (fd)
        {
            return ReadAll(fd!, maxBytes, out content);
        }
    }

    /// <summary>Whether the process still exists: its directory still answers lookups, and it is no zombie (which has no memory any more).</summary>
    public bool IsAlive()
    {
        int errno = ReadFile("stat", 512, out var stat);
        if (errno != 0)
        {
            return false;
        }
        int close = Array.LastIndexOf(stat, (byte)')');
        return close < 0 || close + 2 >= stat.Length || stat[close + 2] is not ((byte)'Z' or (byte)'X');
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
        int errno = OpenAt("stat", Native.O_RDONLY | Native.O_CLOEXEC | Native.O_NOFOLLOW, out var stat);
        if (errno != 0)
        {
            return true;
        }
        using (stat)
        {
            using var read = stat!.Borrow();
            Span<byte> buffer = stackalloc byte[1024];
            long n = Native.Pread(read.Fd, buffer, 0);
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
    }

    private static int ReadAll(FileDescriptor fd, int maxBytes, out byte[] content)
    {
        content = [];
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(maxBytes, 64 * 1024));
        try
        {
            using var collected = new MemoryStream();
            using var lease = fd.Borrow();
            long offset = 0;
            while (offset < maxBytes)
            {
                int want = (int)Math.Min(buffer.Length, maxBytes - offset);
                long n = Native.Pread(lease.Fd, buffer.AsSpan(0, want), offset);
                if (n < 0)
                {
                    return (int)-n;
                }
                if (n == 0)
                {
                    break;
                }
                collected.Write(buffer, 0, (int)n);
                offset += n;
            }
            content = collected.ToArray();
            return 0;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public void Dispose() => _fd.Dispose();
}
