using System.Buffers;
using System.Globalization;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// /proc/&lt;pid&gt; held open as a directory descriptor for the whole dump. Every file of the
/// process (smaps, mem, stat, task/…) is opened relative to it, so a pid that is reused after
/// the process exits is never read by mistake: lookups through the old descriptor fail with
/// ESRCH or ENOENT instead (proc(5)).
/// </summary>
internal sealed class PinnedProcDirectory : IDisposable
{
    private readonly OwnedFd _fd;

    private PinnedProcDirectory(int pid, OwnedFd fd)
    {
        Pid = pid;
        _fd = fd;
    }

    public int Pid { get; }

    /// <summary>"/proc/&lt;pid&gt;", for descriptions in the manifest.</summary>
    public string Path => "/proc/" + Pid.ToString(CultureInfo.InvariantCulture);

    /// <summary>Opens /proc/&lt;pid&gt;; ENOENT when there is no such process.</summary>
    public static int Open(int pid, out PinnedProcDirectory? directory)
    {
        directory = null;
        if (pid <= 0)
        {
            return UnixError.EINVAL;
        }
        int errno = MemoryNative.OpenAt(MemoryNative.AT_FDCWD, "/proc/" + pid.ToString(CultureInfo.InvariantCulture),
            MemoryNative.O_RDONLY | MemoryNative.O_DIRECTORY | MemoryNative.O_CLOEXEC, out int fd);
        if (errno == 0)
        {
            directory = new PinnedProcDirectory(pid, new OwnedFd(fd));
        }
        return errno;
    }

    /// <summary>Opens a file of the process read-only; the caller owns the descriptor.</summary>
    public int Open(string name, out OwnedFd? fd)
    {
        fd = null;
        using var lease = _fd.Borrow();
        int errno = MemoryNative.OpenAt(lease.Fd, name, MemoryNative.O_RDONLY | MemoryNative.O_CLOEXEC, out int raw);
        if (errno == 0)
        {
            fd = new OwnedFd(raw);
        }
        return errno;
    }

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

    /// <summary>statx of a file of the process, following the final link (map_files/… → the mapped file).</summary>
    public int Statx(string name, out MemoryNative.StatxBuffer buffer)
    {
        using var lease = _fd.Borrow();
        return MemoryNative.Statx(lease.Fd, name, out buffer);
    }

    /// <summary>
    /// The numeric names in a directory of the process (task/), read through our own descriptor
    /// ("/proc/self/fd/N/task") so they belong to the pinned process.
    /// </summary>
    public int ListNumbers(string directoryName, out List<int> numbers)
    {
        numbers = [];
        using var lease = _fd.Borrow();
        string path = "/proc/self/fd/" + lease.Fd.ToString(CultureInfo.InvariantCulture) + "/" + directoryName;
        try
        {
            foreach (var entry in Directory.EnumerateFileSystemEntries(path))
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

    /// <summary>Whether the process still exists: its directory still answers lookups.</summary>
    public bool IsAlive()
    {
        int errno = ReadFile("stat", 512, out var stat);
        if (errno != 0)
        {
            return false;
        }
        // A zombie still has its directory, but no memory any more.
        int close = Array.LastIndexOf(stat, (byte)')');
        return close < 0 || close + 2 >= stat.Length || stat[close + 2] is not ((byte)'Z' or (byte)'X');
    }

    private static int ReadAll(OwnedFd fd, int maxBytes, out byte[] content)
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
                long n = MemoryNative.Pread(lease.Fd, buffer.AsSpan(0, want), offset);
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
