namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// One name found by <see cref="SafeTreeWalker"/>: its path relative to the root (bytes, '/'
/// between segments, empty for the root itself), what lstat said, and why it failed or was
/// not entered. Failures are entries, never exceptions.
/// </summary>
public sealed class WalkEntry
{
    private readonly SafeTreeWalker _walker;
    private readonly DirectoryHandle? _parent;

    internal WalkEntry(SafeTreeWalker walker, DirectoryHandle? parent, byte[] relativePath, int nameStart, int depth, FileStat? stat, int? errno, string? error, string? notDescended)
    {
        _walker = walker;
        _parent = parent;
        RelativePath = relativePath;
        NameStart = nameStart;
        Depth = depth;
        Stat = stat;
        Errno = errno;
        Error = error;
        NotDescended = notDescended;
    }

    /// <summary>Relative to the walker's root, byte-exact; empty for the root.</summary>
    public byte[] RelativePath { get; }

    /// <summary>The last segment of <see cref="RelativePath"/>.</summary>
    public ReadOnlySpan<byte> Name => RelativePath.AsSpan(NameStart);

    /// <summary>0 for the root, 1 for its children, ...</summary>
    public int Depth { get; }

    public bool IsRoot => RelativePath.Length == 0;

    /// <summary>lstat of the entry; null when even that failed (it vanished, or access was denied).</summary>
    public FileStat? Stat { get; }

    /// <summary>When something failed: the errno, if the failure had one.</summary>
    public int? Errno { get; }

    /// <summary>
    /// What failed: the lstat (then <see cref="Stat"/> is null), or opening or listing a
    /// directory (then its children are missing or incomplete), or a swap under our feet.
    /// </summary>
    public string? Error { get; }

    /// <summary>Why a directory was deliberately not entered (depth limit, mount point); null otherwise.</summary>
    public string? NotDescended { get; }

    public bool Vanished => Stat is null && Errno == UnixError.ENOENT;

    private int NameStart { get; }

    /// <summary>
    /// Captures the entry: full metadata (extended attributes, symlink target) and, for a regular
    /// file, its content. Opened relative to the parent directory's descriptor while the walk is
    /// still in that directory; afterwards (entries kept for later) the path is resolved again
    /// from the root, one component at a time, never following a symlink. Either way, a file
    /// that is no longer the one listed (other inode or type) is reported as replaced.
    /// </summary>
    public HostFileCapture Capture(CaptureLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        if (Stat is null)
        {
            return HostFileCapture.Failure(Errno ?? UnixError.ENOENT, Error ?? "lstat failed", null);
        }
        if (_parent is not null && !_parent.IsClosed)
        {
            try
            {
                using var lease = _parent.Borrow();
                return HostFile.CaptureAt(lease.Fd, Name, Stat, limits, nameIsFullPath: false);
            }
            catch (ObjectDisposedException)
            {
                // closed between the check and the borrow: resolve from the root below
            }
        }
        return _walker.Capture(RelativePath, limits, Stat);
    }
}
