using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Host.Mounts;
using Microsoft.Win32.SafeHandles;

namespace ContainerForensics.Core.DiskImages;

/// <summary>
/// A mounted disk image (or a copy of a data root) collected dead-box with <c>--root DIR</c>:
/// no daemon is asked and nothing of this host's /proc is read for its containers; everything
/// comes from files beneath the root. The image is attacker-controlled, so every path inside
/// it is resolved with openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS from the root held open:
/// an absolute symlink of the image (<c>/var/lib/docker -&gt; /data/docker</c>) means what it
/// meant on the imaged machine, and neither it nor ".." leads out of the root. The final
/// component is never followed (O_NOFOLLOW), only regular files are opened for reading, and
/// reads use O_NOATIME where the kernel allows it. Mount points under the root (a separate
/// /var of the image mounted beneath it) are crossed: they are part of the image.
/// </summary>
public sealed class DiskImage : IDisposable
{
    private const ulong Resolve = Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS;

    private readonly FileDescriptor _root;

    private DiskImage(string root, string resolvedRoot, FileDescriptor rootFd, MountEntry? mount, string? mountProblem)
    {
        Root = root;
        ResolvedRoot = resolvedRoot;
        _root = rootFd;
        Mount = mount;
        MountProblem = mountProblem;
        Facts = DiskImageFacts.Read(this);
    }

    /// <summary>The root as the responder named it, made absolute.</summary>
    public string Root { get; }

    /// <summary>The directory the kernel opened (symlinks along <see cref="Root"/> resolved), for matching mountinfo.</summary>
    public string ResolvedRoot { get; }

    /// <summary>The mount the root lies on (from /proc/self/mountinfo), or null with <see cref="MountProblem"/>.</summary>
    public MountEntry? Mount { get; }

    public string? MountProblem { get; }

    /// <summary>
    /// The image is mounted read-write: cfir still only reads, but a writable mount of evidence
    /// (journal replay, atime on another reader) is the responder's to know about.
    /// </summary>
    public bool MountedReadWrite => Mount is { } m && Encoding.ASCII.GetString(m.MountOptions).Split(',').Contains("rw");

    /// <summary>What the image says about the machine it came from (hostname, machine id, OS).</summary>
    public DiskImageFacts Facts { get; }

    /// <summary>
    /// Opens <paramref name="root"/> (relative to <paramref name="workingDirectory"/>). A root
    /// that is not a directory is the responder's to fix: a <see cref="CfirException"/> (usage).
    /// </summary>
    public static DiskImage Open(string root, string workingDirectory, string procRoot = "/proc")
    {
        string full = Path.GetFullPath(root, workingDirectory);
        int errno = Native.OpenAt(Native.AT_FDCWD, Encoding.UTF8.GetBytes(full), Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, out int fd);
        if (errno != 0)
        {
            throw new CfirException(ExitCode.UsageError, $"--root {full}: not an open-able directory: {UnixError.Describe(errno)}");
        }
        var rootFd = new FileDescriptor(fd);
        string resolved = full;
        if (Native.ReadLinkAt(Native.AT_FDCWD, Encoding.ASCII.GetBytes($"{procRoot}/self/fd/{fd}"), out byte[]? target) == 0 && target is not null)
        {
            resolved = Encoding.UTF8.GetString(target);
        }
        var mount = FindMount(procRoot, resolved, out string? problem);
        return new DiskImage(full, resolved, rootFd, mount, problem);
    }

    /// <summary>"/mnt/evidence/var/lib/docker/containers" for records: where on this machine an image path was read.</summary>
    public string Show(string imagePath) => Root.TrimEnd('/') + "/" + imagePath.TrimStart('/');

    /// <summary>
    /// A walk of the directory at <paramref name="imagePath"/> (a path of the imaged machine,
    /// "/var/lib/docker/overlay2/ID/diff"). Throws an <see cref="IOException"/> whose HResult is
    /// the errno when it cannot be opened, as <see cref="SafeTreeWalker.Open"/> does.
    /// </summary>
    public SafeTreeWalker OpenTree(string imagePath, WalkOptions? options = null)
    {
        var dir = OpenDirectory(imagePath);
        return SafeTreeWalker.FromDirectory(Encoding.UTF8.GetBytes(Show(imagePath)), dir, options, () => StatDirectory(imagePath));
    }

    /// <summary>
    /// Captures the file at <paramref name="imagePath"/> as host files are captured (metadata,
    /// content for regular files only, a symlink's target read but never followed).
    /// </summary>
    public HostFileCapture Capture(string imagePath, CaptureLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        var (parent, leaf) = Split(imagePath);
        FileDescriptor dir;
        try
        {
            dir = OpenDirectory(parent);
        }
        catch (IOException ex)
        {
            return HostFileCapture.Failure(ex.HResult, $"its directory cannot be opened in the image: {ex.Message}", null);
        }
        using (dir)
        {
            using var lease = dir.Borrow();
            return HostFile.CaptureAt(lease.Fd, leaf, null, limits, nameIsFullPath: false);
        }
    }

    /// <summary>
    /// Opens the regular file at <paramref name="imagePath"/> for reading (parsers of the
    /// engines' state: JSON, bbolt, SQLite). Null with why not: absent, not a regular file (a
    /// FIFO or device planted in the image is never opened), unreadable.
    /// </summary>
    public SafeFileHandle? OpenRead(string imagePath, out string? problem)
    {
        var (parent, leaf) = Split(imagePath);
        FileDescriptor dir;
        try
        {
            dir = OpenDirectory(parent);
        }
        catch (IOException ex)
        {
            problem = ex.Message;
            return null;
        }
        using (dir)
        using (var lease = dir.Borrow())
        {
            int errno = Native.OpenAt(lease.Fd, leaf, Native.O_PATH | Native.O_NOFOLLOW | Native.O_CLOEXEC, out int pfd);
            if (errno != 0)
            {
                problem = $"{Show(imagePath)}: {UnixError.Describe(errno)}";
                return null;
            }
            using var pathFd = new FileDescriptor(pfd);
            errno = Native.Fstatx(pfd, out var sx);
            if (errno != 0)
            {
                problem = $"{Show(imagePath)}: statx: {UnixError.Describe(errno)}";
                return null;
            }
            var stat = FileStat.FromStatx(sx);
            if (stat.Kind != EntryKind.File)
            {
                problem = $"{Show(imagePath)} is a {stat.Kind.ToString().ToLowerInvariant()}, not a regular file: not opened";
                return null;
            }
            errno = HostFile.OpenForReading(pfd, lease.Fd, leaf, out int fd, out _);
            if (errno != 0)
            {
                problem = $"{Show(imagePath)}: open: {UnixError.Describe(errno)}";
                return null;
            }
            problem = null;
            return new SafeFileHandle(fd, ownsHandle: true);
        }
    }

    /// <summary>
    /// Reads a whole small regular file (a JSON config, a hostname) of at most
    /// <paramref name="maxBytes"/>; null with why not, including "larger than".
    /// </summary>
    public byte[]? ReadAll(string imagePath, int maxBytes, out string? problem)
    {
        using var handle = OpenRead(imagePath, out problem);
        if (handle is null)
        {
            return null;
        }
        long length = RandomAccess.GetLength(handle);
        if (length > maxBytes)
        {
            problem = $"{Show(imagePath)} is {length} bytes, more than the {maxBytes} read for it";
            return null;
        }
        var buffer = new byte[length];
        int total = 0;
        while (total < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer.AsSpan(total), total);
            if (n == 0)
            {
                break;  // it shrank since: what is there is what the image holds now
            }
            total += n;
        }
        return total == buffer.Length ? buffer : buffer[..total];
    }

    /// <summary>The names in the directory at <paramref name="imagePath"/> (raw bytes, unsorted); null with why not.</summary>
    public IReadOnlyList<byte[]>? List(string imagePath, out string? problem)
    {
        FileDescriptor dir;
        try
        {
            dir = OpenDirectory(imagePath);
        }
        catch (IOException ex)
        {
            problem = ex.Message;
            return null;
        }
        using (dir)
        {
            int errno;
            int readable;
            using (var lease = dir.Borrow())
            {
                errno = HostFile.OpenNoAtime(lease.Fd, "."u8, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, out readable, out _);
            }
            if (errno != 0)
            {
                problem = $"{Show(imagePath)}: {UnixError.Describe(errno)}";
                return null;
            }
            var names = new List<byte[]>();
            errno = DirectoryHandle.ReadNamesAndClose(readable, names);
            problem = errno == 0 ? null : $"{Show(imagePath)}: listing: {UnixError.Describe(errno)}";
            return errno == 0 ? names : null;
        }
    }

    /// <summary>lstat of a path in the image (the final component not followed); null with the errno.</summary>
    public FileStat? Lstat(string imagePath, out int errno)
    {
        var (parent, leaf) = Split(imagePath);
        FileDescriptor dir;
        try
        {
            dir = OpenDirectory(parent);
        }
        catch (IOException ex)
        {
            errno = ex.HResult;
            return null;
        }
        using (dir)
        using (var lease = dir.Borrow())
        {
            errno = Native.Statx(lease.Fd, leaf, Native.AT_SYMLINK_NOFOLLOW, out var sx);
            return errno == 0 ? FileStat.FromStatx(sx) : null;
        }
    }

    public void Dispose() => _root.Dispose();

    /// <summary>statx of the directory an image path resolves to now, or null when it resolves to none.</summary>
    private FileStat? StatDirectory(string imagePath)
    {
        FileDescriptor dir;
        try
        {
            dir = OpenDirectory(imagePath);
        }
        catch (IOException)
        {
            return null;
        }
        using (dir)
        using (var lease = dir.Borrow())
        {
            return Native.Fstatx(lease.Fd, out var sx) == 0 ? FileStat.FromStatx(sx) : null;
        }
    }

    private FileDescriptor OpenDirectory(string imagePath)
    {
        string relative = imagePath.Trim('/');
        byte[] path = relative.Length == 0 ? "."u8.ToArray() : Encoding.UTF8.GetBytes(relative);
        int errno;
        int fd;
        using (var lease = _root.Borrow())
        {
            errno = Native.OpenAt2(lease.Fd, path, (ulong)(Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC), Resolve, out fd);
        }
        if (errno != 0)
        {
            // ENOSYS (openat2 missing) is not answered with a lookup that could follow a link out of the image.
            throw UnixError.ToIOException(errno, $"cannot open directory {Show(imagePath)} in the image");
        }
        return new FileDescriptor(fd);
    }

    private static (string Parent, byte[] Leaf) Split(string imagePath)
    {
        string trimmed = imagePath.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        string leaf = slash < 0 ? trimmed : trimmed[(slash + 1)..];
        if (leaf.Length == 0 || leaf is "." or "..")
        {
            throw new ArgumentException($"'{imagePath}' names no file", nameof(imagePath));
        }
        return (slash <= 0 ? "/" : trimmed[..slash], Encoding.UTF8.GetBytes(leaf));
    }

    /// <summary>The mount with the longest mount point that contains the root.</summary>
    private static MountEntry? FindMount(string procRoot, string resolvedRoot, out string? problem)
    {
        string path = $"{procRoot}/self/mountinfo";
        byte[] info;
        try
        {
            info = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{path} cannot be read: {ex.Message}";
            return null;
        }
        byte[] root = Encoding.UTF8.GetBytes(resolvedRoot);
        MountEntry? best = null;
        foreach (var range in info.AsSpan().Split((byte)'\n'))
        {
            if (MountInfoLine.ParseLine(info.AsSpan()[range]) is not { } entry)
            {
                continue;
            }
            var point = entry.MountPoint.AsSpan();
            bool contains = point.SequenceEqual("/"u8)
                || root.AsSpan().StartsWith(point) && (root.Length == point.Length || root[point.Length] == (byte)'/');
            // Later lines are mounted over earlier ones at the same point: the last one wins.
            if (contains && (best is null || point.Length >= best.MountPoint.Length))
            {
                best = entry;
            }
        }
        problem = best is null ? $"no mount in {path} contains {resolvedRoot}" : null;
        return best;
    }
}
