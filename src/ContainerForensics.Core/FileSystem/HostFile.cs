using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// Read-only capture of one file from the host filesystem, safe against what an attacker who
/// controls the directory can put there (the container's writable layer, its rootfs).
/// <list type="bullet">
/// <item>Nothing but a regular file is ever opened for reading: FIFOs would block, devices never
/// end or act on open (a watchdog node reboots the host when its opener closes it).</item>
/// <item>The file is first opened with O_PATH|O_NOFOLLOW, which pins the inode without opening
/// it ("the file itself is not opened", open(2)); its type is checked on that descriptor, and only
/// then is the very same inode reopened for reading through /proc/self/fd/N. A name swapped in
/// between (symlink, FIFO, device) cannot be what gets read.</item>
/// <item>A final symlink is never followed (O_NOFOLLOW, AT_SYMLINK_NOFOLLOW); its target is
/// read byte-exact instead.</item>
/// <item>Reads use O_NOATIME where the kernel allows it, so capture leaves atime as it was.</item>
/// </list>
/// Every call is synchronous: each is a handful of system calls on a local filesystem.
/// </summary>
public static class HostFile
{
    /// <summary>
    /// Set once O_NOATIME was refused with EPERM (open(2): not the owner and no CAP_FOWNER) and
    /// the open without it worked: later opens on this thread skip the doomed first attempt.
    /// Per thread, so a thread that changed its fsuid cannot change the others' behaviour.
    /// </summary>
    [ThreadStatic]
    private static bool t_noAtimeRefused;

    /// <summary>
    /// Captures the file at <paramref name="path"/> (absolute, or relative to the working directory).
    /// Symlinks in the directories along the path ARE followed — pass trusted host paths here (a
    /// log file, /proc/PID/...); for anything inside a container use <see cref="SafeTreeWalker"/>,
    /// which never follows one. The final component is never followed (trailing slashes are
    /// dropped, as they would make the kernel follow it).
    /// </summary>
    public static HostFileCapture Capture(byte[] path, CaptureLimits limits)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(limits);
        if (path.Length == 0 || path.AsSpan().Contains((byte)0))
        {
            return HostFileCapture.Failure(UnixError.EINVAL, "path is empty or holds a NUL byte", null);
        }
        // A trailing slash makes the kernel follow a final symlink even with O_NOFOLLOW (path_resolution(7)).
        ReadOnlySpan<byte> name = path.AsSpan().TrimEnd((byte)'/');
        if (name.IsEmpty)
        {
            name = "/"u8;
        }
        int errno = Native.Statx(Native.AT_FDCWD, name, Native.AT_SYMLINK_NOFOLLOW, out var sx);
        if (errno != 0)
        {
            return HostFileCapture.Failure(errno, "lstat failed", null);
        }
        return CaptureAt(Native.AT_FDCWD, name, FileStat.FromStatx(sx), limits, nameIsFullPath: true);
    }

    /// <inheritdoc cref="Capture(byte[], CaptureLimits)"/>
    public static HostFileCapture Capture(string path, CaptureLimits limits) => Capture(Encoding.UTF8.GetBytes(path), limits);

    /// <summary>lstat: statx without following a final symlink. Null with the errno when it fails.</summary>
    public static FileStat? Lstat(ReadOnlySpan<byte> path, out int errno)
    {
        errno = Native.Statx(Native.AT_FDCWD, path, Native.AT_SYMLINK_NOFOLLOW, out var sx);
        return errno == 0 ? FileStat.FromStatx(sx) : null;
    }

    /// <summary>stat: statx following symlinks, e.g. /proc/PID/root to the root directory it names. Null with the errno when it fails.</summary>
    public static FileStat? Stat(ReadOnlySpan<byte> path, out int errno)
    {
        errno = Native.Statx(Native.AT_FDCWD, path, 0, out var sx);
        return errno == 0 ? FileStat.FromStatx(sx) : null;
    }

    /// <summary>Whether O_NOATIME was refused on the calling thread (see <see cref="t_noAtimeRefused"/>); for tests.</summary>
    internal static bool NoAtimeRefusedOnThisThread => t_noAtimeRefused;

    /// <summary>
    /// Captures <paramref name="name"/> relative to the open directory <paramref name="dirFd"/>
    /// (or a path, with AT_FDCWD). <paramref name="expected"/> is what a previous lstat saw; a
    /// different inode or type now is reported as a replacement, not captured.
    /// The caller keeps <paramref name="dirFd"/> open for the duration of the call.
    /// </summary>
    internal static HostFileCapture CaptureAt(int dirFd, ReadOnlySpan<byte> name, FileStat? expected, CaptureLimits limits, bool nameIsFullPath)
    {
        int errno = Native.OpenAt(dirFd, name, Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, out int pfd);
        if (errno != 0)
        {
            return HostFileCapture.Failure(errno, "open (O_PATH) failed", expected);
        }
        using var pathFd = new FileDescriptor(pfd);
        errno = Native.Fstatx(pfd, out var sx);
        if (errno != 0)
        {
            return HostFileCapture.Failure(errno, "statx failed", expected);
        }
        var stat = FileStat.FromStatx(sx);
        if (expected is not null && !SameFileAndType(expected, stat))
        {
            return Replaced(expected, stat);
        }

        uint type = stat.Mode & Native.S_IFMT;
        if (type == Native.S_IFREG)
        {
            return CaptureRegular(pfd, dirFd, name, stat, limits, nameIsFullPath);
        }

        byte[]? target = null;
        if (type == Native.S_IFLNK)
        {
            errno = Native.ReadLinkAt(pfd, ReadOnlySpan<byte>.Empty, out target);
            if (errno != 0)
            {
                return HostFileCapture.Failure(errno, "readlink failed", stat);
            }
        }
        // Directories, devices, FIFOs, sockets, whiteouts: a record only, nothing is opened.
        var xattrs = ReadXattrsOfPathDescriptor(pfd, name, nameIsFullPath, out string? problem);
        return new HostFileCapture
        {
            Stat = stat,
            Metadata = stat.ToMetadata(target, xattrs),
            MetadataProblem = problem,
        };
    }

    private static HostFileCapture CaptureRegular(int pfd, int dirFd, ReadOnlySpan<byte> name, FileStat stat, CaptureLimits limits, bool nameIsFullPath)
    {
        if (!limits.ReadUntilEof && limits.MaxFileSize is long max && stat.Size > max && limits.OversizePolicy == OversizePolicy.Skip)
        {
            // Not even opened for reading: its atime stays untouched whatever O_NOATIME allows.
            var attrs = ReadXattrsOfPathDescriptor(pfd, name, nameIsFullPath, out string? why);
            return new HostFileCapture
            {
                Status = EntryStatus.Skipped,
                Reason = $"larger than --max-file-size: {stat.Size} > {max} bytes",
                Stat = stat,
                Metadata = stat.ToMetadata(null, attrs),
                MetadataProblem = why,
            };
        }

        int errno = OpenForReading(pfd, dirFd, name, out int rfd, out bool noAtime);
        if (errno != 0)
        {
            return HostFileCapture.Failure(errno, "open for reading failed", stat);
        }
        var readFd = new FileDescriptor(rfd);
        try
        {
            errno = Native.Fstatx(rfd, out var sx);
            if (errno != 0)
            {
                readFd.Dispose();
                return HostFileCapture.Failure(errno, "statx of the open file failed", stat);
            }
            // The size, mtime and ctime at open are the baseline CompleteAsync compares against.
            var atOpen = FileStat.FromStatx(sx);
            if (!SameFileAndType(stat, atOpen))
            {
                readFd.Dispose();  // only possible on the fallback path without /proc (see OpenForReading)
                return Replaced(stat, atOpen);
            }
            var xattrs = ExtendedAttributeReader.Read(Native.XattrTarget.Descriptor, rfd, ReadOnlySpan<byte>.Empty, out string? problem, out _);
            return new HostFileCapture
            {
                Stat = atOpen,
                Metadata = atOpen.ToMetadata(null, xattrs),
                Content = new HostFileContent(readFd, atOpen, limits, noAtime),
                MetadataProblem = problem,
            };
        }
        catch
        {
            readFd.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Opens the inode behind an O_PATH descriptor for reading by reopening /proc/self/fd/N: the
    /// magic link leads to that inode, not to whatever the name means now (proc(5)). Without a
    /// usable /proc (not mounted, another PID namespace's) the name is opened again with
    /// O_NOFOLLOW and the caller's dev/ino check catches a swap; O_NONBLOCK keeps a FIFO swapped
    /// in from blocking the open, and makes a file under another process's write lease fail
    /// with EAGAIN at once instead of waiting lease-break-time (fcntl(2), "Leases").
    /// </summary>
    internal static int OpenForReading(int pfd, int dirFd, ReadOnlySpan<byte> name, out int fd, out bool noAtime)
    {
        const int Flags = Native.O_RDONLY | Native.O_CLOEXEC | Native.O_NONBLOCK | Native.O_NOCTTY;
        Span<byte> proc = stackalloc byte[32];
        int length = Native.FormatProcFdPath(pfd, proc);
        int errno = OpenNoAtime(Native.AT_FDCWD, proc[..length], Flags, out fd, out noAtime);
        if (errno == UnixError.ENOENT)
        {
            errno = OpenNoAtime(dirFd, name, Flags | Native.O_NOFOLLOW, out fd, out noAtime);
        }
        return errno;
    }

    /// <summary>
    /// openat with O_NOATIME, which fails with EPERM unless we own the file or hold CAP_FOWNER
    /// (open(2)); then again without it. Used for files and for directories (reading a directory
    /// updates its atime too).
    /// </summary>
    internal static int OpenNoAtime(int dirFd, ReadOnlySpan<byte> path, int flags, out int fd, out bool noAtime)
    {
        if (!t_noAtimeRefused)
        {
            int errno = Native.OpenAt(dirFd, path, flags | Native.O_NOATIME, out fd);
            if (errno != UnixError.EPERM)
            {
                noAtime = errno == 0;
                return errno;
            }
            errno = Native.OpenAt(dirFd, path, flags, out fd);
            noAtime = false;
            if (errno == 0)
            {
                t_noAtimeRefused = true;  // it was O_NOATIME the kernel refused, not the file
            }
            return errno;
        }
        noAtime = false;
        return Native.OpenAt(dirFd, path, flags, out fd);
    }

    /// <summary>
    /// Extended attributes of a file held by an O_PATH descriptor. fgetxattr refuses O_PATH
    /// descriptors, so they are read through /proc/self/fd/N, which again names that inode (for a
    /// symlink: the link itself, not its target). Without /proc a full path falls back to
    /// llistxattr on the path.
    /// </summary>
    private static IReadOnlyList<KeyValuePair<string, byte[]>> ReadXattrsOfPathDescriptor(int pfd, ReadOnlySpan<byte> name, bool nameIsFullPath, out string? problem)
    {
        Span<byte> proc = stackalloc byte[32];
        int length = Native.FormatProcFdPath(pfd, proc);
        var attrs = ExtendedAttributeReader.Read(Native.XattrTarget.PathFollow, -1, proc[..length], out problem, out int listErrno);
        if (listErrno == UnixError.ENOENT)
        {
            if (nameIsFullPath)
            {
                return ExtendedAttributeReader.Read(Native.XattrTarget.PathNoFollow, -1, name, out problem, out _);
            }
            problem = "extended attributes not read: /proc/self/fd is not available";
        }
        return attrs;
    }

    private static bool SameFileAndType(FileStat a, FileStat b) =>
        a.IsSameFile(b) && (a.Mode & Native.S_IFMT) == (b.Mode & Native.S_IFMT);

    private static HostFileCapture Replaced(FileStat before, FileStat now) => new()
    {
        Status = EntryStatus.Failed,
        Reason = $"file replaced between stat and open: {Describe(before)} became {Describe(now)}",
        Stat = before,
        Metadata = before.ToMetadata(),
    };

    private static string Describe(FileStat s) =>
        $"{s.Kind} {s.DeviceMajor}:{s.DeviceMinor} inode {s.Inode}";
}
