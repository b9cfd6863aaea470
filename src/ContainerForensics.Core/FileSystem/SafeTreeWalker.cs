using System.Runtime.InteropServices;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// Walks a directory tree an attacker controls (a container's upper layer or rootfs) without
/// ever leaving it: no symlink is followed anywhere below the root, every name is opened
/// relative to its parent's descriptor with O_NOFOLLOW (openat(2)), so a symlink swapped in for
/// a directory cannot redirect the walk or a capture outside the root.
/// <para>
/// Order is deterministic: depth-first, the root first, each directory's names sorted by
/// their bytes (ordinal), a directory before its contents. Names are bytes: newlines, invalid
/// UTF-8, anything but NUL and '/'. Each directory's names are held in memory while its
/// subtree is walked; each open level holds one descriptor.
/// </para>
/// <code>
/// using var walker = SafeTreeWalker.Open(upperDir);
/// foreach (var entry in walker.Walk(ct))
/// {
///     var capture = entry.Capture(limits);   // metadata + content, opened beneath the root
///     await sink.AddAsync(capture.ToEvidenceItem(EvidenceSection.FilesystemChanged, [(byte)'/', .. entry.RelativePath]), ct);
/// }
/// </code>
/// </summary>
public sealed class SafeTreeWalker : IDisposable
{
    private static readonly IComparer<byte[]> ByteOrder = Comparer<byte[]>.Create(static (a, b) => a.AsSpan().SequenceCompareTo(b));

    private readonly FileDescriptor _root;
    private readonly WalkOptions _options;

    /// <summary>The open directories of the enumeration under way (one at a time), for <see cref="Unwalked"/>.</summary>
    private Stack<Frame>? _walking;

    /// <summary>For a root opened beneath a trusted one (<see cref="OpenBeneath"/>): that root and the part below it, to resolve the same way again.</summary>
    private readonly (byte[] Trusted, byte[] Beneath)? _beneath;

    private SafeTreeWalker(byte[] rootPath, FileDescriptor root, FileStat rootStat, WalkOptions options, (byte[], byte[])? beneath = null)
    {
        RootPath = rootPath;
        _root = root;
        RootStat = rootStat;
        _options = options;
        _beneath = beneath;
    }

    /// <summary>The root as given to <see cref="Open"/>, or the trusted root and the path beneath it joined.</summary>
    public byte[] RootPath { get; }

    /// <summary>statx of the opened root directory.</summary>
    public FileStat RootStat { get; }

    /// <summary>How a root resolved by its opener (<see cref="FromDirectory"/>: beneath a disk image) is looked up again; null for the others.</summary>
    private Func<FileStat?>? _relookup;

    /// <summary><see cref="StatRootNow"/> without the errno.</summary>
    public FileStat? LookUpRootAgain() => StatRootNow(out _);

    /// <summary>
    /// Opens the root directory (a trusted host path: symlinks along it are followed, the final
    /// component must be a directory, not a symlink to one). Throws an <see cref="IOException"/>
    /// whose HResult is the errno when the root cannot be opened: without a root there is no walk.
    /// </summary>
    public static SafeTreeWalker Open(byte[] rootPath, WalkOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rootPath);
        string shown = Trees.ContainerPath.Show(rootPath);
        if (rootPath.Length == 0 || rootPath.AsSpan().Contains((byte)0))
        {
            throw UnixError.ToIOException(UnixError.EINVAL, $"walk root '{shown}' is empty or holds a NUL byte");
        }
        // O_PATH: the root is only an anchor for openat; listing it opens "." for reading.
        int errno = Native.OpenAt(Native.AT_FDCWD, rootPath, Native.O_PATH | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, out int fd);
        if (errno != 0)
        {
            throw UnixError.ToIOException(errno, $"cannot open walk root '{shown}'");
        }
        var root = new FileDescriptor(fd);
        errno = Native.Fstatx(fd, out var sx);
        if (errno != 0)
        {
            root.Dispose();
            throw UnixError.ToIOException(errno, $"cannot stat walk root '{shown}'");
        }
        return new SafeTreeWalker(rootPath, root, FileStat.FromStatx(sx), options ?? WalkOptions.Default);
    }

    /// <summary>
    /// Opens <paramref name="relativePath"/> beneath <paramref name="trustedRoot"/> as the walk
    /// root: the trusted part is opened as <see cref="Open"/> does, every segment below it with
    /// openat(O_PATH|O_DIRECTORY|O_NOFOLLOW), so a symlink anywhere in the untrusted part (a pod's
    /// log folder under /var/log/pods, which a pod with a hostPath mount can reach) fails the open
    /// (ENOTDIR/ELOOP) instead of leading elsewhere. ".." is refused. Throws like <see cref="Open"/>.
    /// </summary>
    public static SafeTreeWalker OpenBeneath(byte[] trustedRoot, ReadOnlySpan<byte> relativePath, WalkOptions? options = null)
    {
        byte[] fullPath = relativePath.IsEmpty ? trustedRoot : [.. trustedRoot, (byte)'/', .. relativePath];
        var current = Open(trustedRoot, options)._root;
        bool handedOver = false;
        try
        {
            int errno = Descend(ref current, relativePath, out string? what);
            if (errno != 0)
            {
                throw UnixError.ToIOException(errno, what ?? $"'..' is not allowed beneath the walk root '{Trees.ContainerPath.Show(trustedRoot)}'");
            }
            int statErrno;
            Native.StatxBuffer sx;
            using (var lease = current.Borrow())
            {
                statErrno = Native.Fstatx(lease.Fd, out sx);
            }
            if (statErrno != 0)
            {
                throw UnixError.ToIOException(statErrno, $"cannot stat walk root '{Trees.ContainerPath.Show(fullPath)}'");
            }
            var walker = new SafeTreeWalker(fullPath, current, FileStat.FromStatx(sx), options ?? WalkOptions.Default, (trustedRoot, relativePath.ToArray()));
            handedOver = true;
            return walker;
        }
        finally
        {
            if (!handedOver)
            {
                current.Dispose();
            }
        }
    }

    /// <summary>
    /// A walk rooted at a directory the caller already resolved and holds open (O_PATH), e.g.
    /// beneath a disk image's root with RESOLVE_IN_ROOT; the walker takes ownership of it.
    /// <paramref name="shownPath"/> names the root in records; <paramref name="relookup"/> looks
    /// the root up again the way it was resolved (<see cref="StatRootNow"/>).
    /// </summary>
    internal static SafeTreeWalker FromDirectory(byte[] shownPath, FileDescriptor directory, WalkOptions? options = null, Func<FileStat?>? relookup = null)
    {
        int errno;
        Native.StatxBuffer sx;
        using (var lease = directory.Borrow())
        {
            errno = Native.Fstatx(lease.Fd, out sx);
        }
        if (errno != 0)
        {
            directory.Dispose();
            throw UnixError.ToIOException(errno, $"cannot stat walk root '{ArchivePath.EscapeSegment(shownPath)}'");
        }
        return new SafeTreeWalker(shownPath, directory, FileStat.FromStatx(sx), options ?? WalkOptions.Default) { _relookup = relookup };
    }

    /// <summary>
    /// statx of what the root's path names now, resolved as it was opened: <see cref="Open"/>'s
    /// trusted path as the kernel resolves it, without following its last component; an
    /// <see cref="OpenBeneath"/> root one segment at a time beneath its trusted root, no symlink
    /// followed; a <see cref="FromDirectory"/> root (beneath a disk image) as its opener resolves
    /// it, since its shown path is not a path to follow here. Null with the errno when it no
    /// longer resolves. A caller compares it with <see cref="RootStat"/> to learn whether the root
    /// was removed or replaced under a walk.
    /// </summary>
    public FileStat? StatRootNow(out int errno)
    {
        if (_relookup is { } relookup)
        {
            var stat = relookup();
            errno = stat is null ? UnixError.ENOENT : 0;
            return stat;
        }
        if (_beneath is not { } beneath)
        {
            return HostFile.Lstat(RootPath, out errno);
        }
        errno = Native.OpenAt(Native.AT_FDCWD, beneath.Trusted, Native.O_PATH | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, out int fd);
        if (errno != 0)
        {
            return null;
        }
        var current = new FileDescriptor(fd);
        try
        {
            errno = Descend(ref current, beneath.Beneath, out _);
            if (errno != 0)
            {
                return null;
            }
            using var lease = current.Borrow();
            errno = Native.Fstatx(lease.Fd, out var sx);
            return errno == 0 ? FileStat.FromStatx(sx) : null;
        }
        finally
        {
            current.Dispose();
        }
    }

    /// <summary>
    /// Opens each directory of <paramref name="relativePath"/> below <paramref name="current"/>
    /// with openat(O_PATH|O_DIRECTORY|O_NOFOLLOW), replacing (and closing) <paramref name="current"/>
    /// at each step. Returns 0, or the errno and what failed (null for a refused "..", EINVAL).
    /// </summary>
    private static int Descend(ref FileDescriptor current, ReadOnlySpan<byte> relativePath, out string? what)
    {
        what = null;
        foreach (var range in relativePath.Split((byte)'/'))
        {
            var segment = relativePath[range];
            if (segment.IsEmpty || segment.SequenceEqual("."u8))
            {
                continue;
            }
            if (segment.SequenceEqual(".."u8))
            {
                return UnixError.EINVAL;
            }
            int next;
            using (var lease = current.Borrow())
            {
                int errno = Native.OpenAt(lease.Fd, segment, Native.O_PATH | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, out next);
                if (errno != 0)
                {
                    string shown = ArchivePath.EscapeSegment(segment);
                    what = errno is UnixError.ENOTDIR or UnixError.ELOOP
                        ? $"'{shown}' on the path is not a directory (a symlink is never followed)"
                        : $"cannot open directory '{shown}' on the path";
                    return errno;
                }
            }
            current.Dispose();
            current = new FileDescriptor(next);
        }
        return 0;
    }

    /// <summary>
    /// The entries of the tree, the root first. Enumerate it once at a time; each enumeration
    /// reads the directories afresh. Breaking off early closes what it opened.
    /// </summary>
    public IEnumerable<WalkEntry> Walk(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_root.IsClosed, this);
        return WalkCore(cancellationToken);
    }

    /// <summary>
    /// Captures a path relative to the root, resolving it one component at a time with
    /// openat(O_PATH|O_DIRECTORY|O_NOFOLLOW): a symlink anywhere on the way fails the capture
    /// (ENOTDIR) instead of being followed, and ".." is refused.
    /// </summary>
    public HostFileCapture Capture(ReadOnlySpan<byte> relativePath, CaptureLimits limits) => Capture(relativePath, limits, null);

    /// <summary>
    /// What the enumeration under way has listed but not yet handed out: for each directory still
    /// open, outermost first, the names after the last entry given (a directory just handed out
    /// has all its names here). Each name is lstat'ed again beneath its open directory, so a
    /// reader knows what kind of thing was left (null when even that fails now). For a consumer
    /// that stops early and must account for the rest; empty outside an enumeration.
    /// </summary>
    public IReadOnlyList<UnwalkedDirectory> Unwalked()
    {
        if (_walking is null)
        {
            return [];
        }
        var open = _walking.ToArray();
        Array.Reverse(open);
        var result = new List<UnwalkedDirectory>(open.Length);
        foreach (var frame in open)
        {
            if (frame.Directory.IsClosed)
            {
                continue;
            }
            var names = new List<UnwalkedName>(frame.Names.Count - frame.Index);
            for (int i = frame.Index; i < frame.Names.Count; i++)
            {
                byte[] name = frame.Names[i];
                var stat = StatIn(frame.Directory, name, out int errno);
                names.Add(new UnwalkedName(Join(frame.Prefix, name, out _), stat, stat is null ? errno : null));
            }
            result.Add(new UnwalkedDirectory(frame.Prefix, names));
        }
        return result;
    }

    public void Dispose() => _root.Dispose();

    internal bool IsDisposed => _root.IsClosed;

    /// <summary>The root's descriptor (O_PATH), for lookups beneath it; held open while the lease lasts.</summary>
    internal FileDescriptor.Lease BorrowRoot() => _root.Borrow();

    /// <summary>
    /// Opens the directory at <paramref name="relativePath"/> beneath the root (O_PATH), one segment
    /// at a time with O_NOFOLLOW: a symlink on the way fails it (ENOTDIR/ELOOP), ".." is refused
    /// (EINVAL). An empty path opens the root again. 0 or the errno.
    /// </summary>
    internal int OpenDirectoryBeneath(ReadOnlySpan<byte> relativePath, out FileDescriptor? directory)
    {
        directory = null;
        using var rootLease = _root.Borrow();
        int errno = Native.OpenAt(rootLease.Fd, "."u8, Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, out int fd);
        if (errno != 0)
        {
            return errno;
        }
        var current = new FileDescriptor(fd);
        foreach (var range in relativePath.Split((byte)'/'))
        {
            var segment = relativePath[range];
            if (segment.IsEmpty || segment.SequenceEqual("."u8))
            {
                continue;
            }
            if (segment.SequenceEqual(".."u8))
            {
                current.Dispose();
                return UnixError.EINVAL;
            }
            using (var lease = current.Borrow())
            {
                errno = Native.OpenAt(lease.Fd, segment, Native.O_PATH | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, out fd);
            }
            current.Dispose();
            if (errno != 0)
            {
                return errno;
            }
            current = new FileDescriptor(fd);
        }
        directory = current;
        return 0;
    }

    internal HostFileCapture Capture(ReadOnlySpan<byte> relativePath, CaptureLimits limits, FileStat? expected)
    {
        ArgumentNullException.ThrowIfNull(limits);
        using var rootLease = _root.Borrow();
        FileDescriptor? current = null;
        try
        {
            int dirFd = rootLease.Fd;
            ReadOnlySpan<byte> pending = "."u8;  // the root itself when the path has no segment
            bool havePending = false;
            foreach (var range in relativePath.Split((byte)'/'))
            {
                var segment = relativePath[range];
                if (segment.IsEmpty || segment.SequenceEqual("."u8))
                {
                    continue;
                }
                if (segment.SequenceEqual(".."u8))
                {
                    return HostFileCapture.Failure(UnixError.EINVAL, "'..' is not allowed in a path beneath the walk root", expected);
                }
                if (havePending)
                {
                    int errno = Native.OpenAt(dirFd, pending, Native.O_PATH | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC, out int next);
                    if (errno != 0)
                    {
                        string what = errno is UnixError.ENOTDIR or UnixError.ELOOP
                            ? $"'{ArchivePath.EscapeSegment(pending)}' on the path is not a directory (a symlink is never followed)"
                            : $"cannot open directory '{ArchivePath.EscapeSegment(pending)}' on the path";
                        return HostFileCapture.Failure(errno, what, expected);
                    }
                    current?.Dispose();
                    current = new FileDescriptor(next);
                    dirFd = next;
                }
                pending = segment;
                havePending = true;
            }
            return HostFile.CaptureAt(dirFd, pending, expected, limits, nameIsFullPath: false);
        }
        finally
        {
            current?.Dispose();
        }
    }

    private IEnumerable<WalkEntry> WalkCore(CancellationToken cancellationToken)
    {
        var stack = new Stack<Frame>();
        _walking = stack;
        try
        {
            Enter(_root, "."u8, RootStat, depth: 0, out var rootFrame, out int? rootErrno, out string? rootError, prefix: []);
            yield return new WalkEntry(this, null, [], 0, 0, RootStat, rootErrno, rootError, null);
            if (rootFrame is not null)
            {
                stack.Push(rootFrame);
            }

            while (stack.Count > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var frame = stack.Peek();
                if (frame.Index == frame.Names.Count)
                {
                    stack.Pop();
                    frame.Directory.Dispose();
                    continue;
                }
                byte[] name = frame.Names[frame.Index];
                frame.Names[frame.Index] = [];  // the path below keeps what is needed; let the list shrink as we go
                frame.Index++;
                int depth = frame.Depth + 1;
                byte[] relative = Join(frame.Prefix, name, out int nameStart);

                var stat = StatIn(frame.Directory, name, out int errno);
                if (stat is null)
                {
                    string error = errno == UnixError.ENOENT ? "vanished before it was examined" : "lstat failed: " + UnixError.Describe(errno);
                    yield return new WalkEntry(this, frame.Directory, relative, nameStart, depth, null, errno, error, null);
                    continue;
                }
                if (stat.Kind != EntryKind.Directory)
                {
                    yield return new WalkEntry(this, frame.Directory, relative, nameStart, depth, stat, null, null, null);
                    continue;
                }
                string? notDescended = null;
                if (depth >= _options.MaxDepth)
                {
                    notDescended = $"depth limit {_options.MaxDepth} reached, not entered";
                }
                else if (_options.StayOnFileSystem && stat.Device != RootStat.Device)
                {
                    notDescended = $"mount point of another filesystem ({stat.DeviceMajor}:{stat.DeviceMinor}), not entered";
                }
                if (notDescended is not null)
                {
                    yield return new WalkEntry(this, frame.Directory, relative, nameStart, depth, stat, null, null, notDescended);
                    continue;
                }
                Enter(frame.Directory, name, stat, depth, out var child, out int? childErrno, out string? childError, relative);
                if (child is not null)
                {
                    stack.Push(child);  // before the yield: a consumer that stops here still gets it closed
                }
                yield return new WalkEntry(this, frame.Directory, relative, nameStart, depth, stat, childErrno, childError, null);
            }
        }
        finally
        {
            while (stack.Count > 0)
            {
                stack.Pop().Directory.Dispose();
            }
            if (ReferenceEquals(_walking, stack))
            {
                _walking = null;
            }
        }
    }

    private static FileStat? StatIn(DirectoryHandle directory, byte[] name, out int errno)
    {
        using var lease = directory.Borrow();
        errno = Native.Statx(lease.Fd, name, Native.AT_SYMLINK_NOFOLLOW, out var sx);
        return errno == 0 ? FileStat.FromStatx(sx) : null;
    }

    /// <summary>
    /// Opens a directory below its parent and lists it. O_NOFOLLOW|O_DIRECTORY fails on a symlink
    /// or anything else swapped in (ELOOP/ENOTDIR, before any driver open); the dev/ino check catches
    /// another directory swapped in. A listing cut short keeps the names read so far.
    /// Returns whether a frame to walk was produced.
    /// </summary>
    private static bool Enter(SafeHandle parent, ReadOnlySpan<byte> name, FileStat stat, int depth, out Frame? frame, out int? errno, out string? error, byte[] prefix)
    {
        frame = null;
        errno = null;
        error = null;
        int fd;
        int rc;
        using (var lease = parent is DirectoryHandle d ? d.Borrow() : ((FileDescriptor)parent).Borrow())
        {
            rc = HostFile.OpenNoAtime(lease.Fd, name, Native.O_RDONLY | Native.O_DIRECTORY | Native.O_NOFOLLOW | Native.O_CLOEXEC | Native.O_NONBLOCK, out fd, out _);
        }
        if (rc != 0)
        {
            errno = rc;
            error = rc == UnixError.ENOENT ? "directory vanished before it was listed" : "cannot open directory: " + UnixError.Describe(rc);
            return false;
        }
        rc = Native.Fstatx(fd, out var sx);
        if (rc != 0)
        {
            Native.Close(fd);
            errno = rc;
            error = "cannot stat the opened directory: " + UnixError.Describe(rc);
            return false;
        }
        var opened = FileStat.FromStatx(sx);
        if (!opened.IsSameFile(stat) || opened.Kind != EntryKind.Directory)
        {
            Native.Close(fd);
            error = $"directory replaced between stat and open (inode {stat.Inode} became {opened.Inode}), not entered";
            return false;
        }
        rc = DirectoryHandle.FromDescriptor(fd, out var directory);
        if (rc != 0)
        {
            errno = rc;
            error = "cannot read directory: " + UnixError.Describe(rc);
            return false;
        }
        var names = new List<byte[]>();
        rc = directory!.ReadAllNames(names);
        if (rc != 0)
        {
            errno = rc;
            error = $"listing stopped after {names.Count} names: {UnixError.Describe(rc)}";
        }
        names.Sort(ByteOrder);
        frame = new Frame(directory, prefix, names, depth);
        return true;
    }

    private static byte[] Join(byte[] prefix, byte[] name, out int nameStart)
    {
        if (prefix.Length == 0)
        {
            nameStart = 0;
            return name;
        }
        var joined = new byte[prefix.Length + 1 + name.Length];
        prefix.CopyTo(joined, 0);
        joined[prefix.Length] = (byte)'/';
        name.CopyTo(joined, prefix.Length + 1);
        nameStart = prefix.Length + 1;
        return joined;
    }

    private sealed class Frame(DirectoryHandle directory, byte[] prefix, List<byte[]> names, int depth)
    {
        public DirectoryHandle Directory { get; } = directory;

        public byte[] Prefix { get; } = prefix;

        public List<byte[]> Names { get; } = names;

        public int Depth { get; } = depth;

        public int Index { get; set; }
    }
}
