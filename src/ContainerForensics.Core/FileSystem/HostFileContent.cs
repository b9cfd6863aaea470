using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// The bytes of a regular host file, read with pread(2) from the descriptor <see cref="HostFile"/>
/// opened, so the archive writer can read any range in any order and step over holes and bad
/// ranges. The length is fixed at open (a tar header carries it); a file that grows, shrinks
/// or is rewritten meanwhile is reported by <see cref="CompleteAsync"/>. Not thread-safe: one
/// reader, as the writer is.
/// </summary>
public sealed class HostFileContent : IEvidenceContent, IDisposable
{
    /// <summary>
    /// A hostile file can alternate 4 KiB of data and 4 KiB of hole for gigabytes. Past this many
    /// segments the rest of the file is one segment: its holes are then read as zeros, which is
    /// still exact, just slower, and memory stays bounded.
    /// </summary>
    internal const int MaxSegments = 1 << 16;

    private readonly FileDescriptor _fd;
    private readonly long? _length;
    private readonly long? _readLimit;
    private IReadOnlyList<DataSegment>? _segments;
    private bool _segmentsKnown;

    internal HostFileContent(FileDescriptor fd, FileStat atOpen, CaptureLimits limits, bool openedWithNoAtime)
    {
        _fd = fd;
        StatAtOpen = atOpen;
        OpenedWithNoAtime = openedWithNoAtime;
        if (limits.ReadUntilEof)
        {
            _readLimit = limits.MaxFileSize;
        }
        else
        {
            _length = limits.MaxFileSize is long max && atOpen.Size > max ? max : atOpen.Size;
        }
    }

    /// <summary>The size at open, or <c>--max-file-size</c> when smaller; null for <see cref="CaptureLimits.ReadUntilEof"/>.</summary>
    public long? Length => _length;

    /// <summary>statx of the open descriptor right after open: the baseline for change detection.</summary>
    public FileStat StatAtOpen { get; }

    /// <summary>False when the kernel refused O_NOATIME (not our file, no CAP_FOWNER): reading may have updated the atime, after it was recorded.</summary>
    public bool OpenedWithNoAtime { get; }

    /// <summary>Whether <see cref="Length"/> was cut to <c>--max-file-size</c>.</summary>
    public bool IsTruncated => _length < StatAtOpen.Size;

    /// <summary>
    /// The data ranges of a sparse file from lseek(2) SEEK_DATA/SEEK_HOLE, clipped to
    /// <see cref="Length"/>; null for a dense file (allocated blocks cover its size) or when the
    /// filesystem cannot tell. A 20 GiB file with two data ranges costs four lseek calls.
    /// Computed on first use.
    /// </summary>
    public IReadOnlyList<DataSegment>? Segments
    {
        get
        {
            if (!_segmentsKnown)
            {
                _segments = FindSegments();
                _segmentsKnown = true;
            }
            return _segments;
        }
    }

    /// <summary>
    /// pread at <paramref name="offset"/>; 0 at the end of the file (which may come before
    /// <see cref="Length"/> if it shrank) or past the limit. A failed read (EIO on a bad sector)
    /// is an <see cref="IOException"/> whose HResult is the errno, as .NET's own on Unix.
    /// </summary>
    public ValueTask<int> ReadAsync(long offset, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<int>(cancellationToken);
        }
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        long limit = _length ?? _readLimit ?? long.MaxValue;
        if (offset >= limit || buffer.IsEmpty)
        {
            return ValueTask.FromResult(0);
        }
        int count = (int)Math.Min(buffer.Length, limit - offset);
        try
        {
            return ValueTask.FromResult(Read(offset, buffer.Span[..count]));
        }
        catch (IOException ex)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    /// <summary>
    /// Compares the file now (statx on the same descriptor) with the baseline at open. A changed
    /// size, mtime or ctime means the bytes read may mix two versions: Partial, with what changed.
    /// A cut at the size limit is reported as Truncated (folded into a Partial reason when both).
    /// </summary>
    public ValueTask<ContentReadNote?> CompleteAsync(CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<ContentReadNote?>(cancellationToken);
        }
        return ValueTask.FromResult(Complete());
    }

    public ValueTask DisposeAsync()
    {
        _fd.Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose() => _fd.Dispose();

    private int Read(long offset, Span<byte> destination)
    {
        using var lease = _fd.Borrow();
        long n = Native.Pread(lease.Fd, destination, offset);
        if (n < 0)
        {
            throw UnixError.ToIOException((int)-n, $"read of {destination.Length} bytes at offset {offset} failed");
        }
        return (int)n;
    }

    private ContentReadNote? Complete()
    {
        string? truncated = null;
        if (_length is long length && length < StatAtOpen.Size)
        {
            truncated = $"truncated at {length} of {StatAtOpen.Size} bytes (--max-file-size)";
        }
        else if (_length is null && _readLimit is long max)
        {
            // Size unknown beforehand (pseudo-file): one byte past the limit says whether there was more.
            Span<byte> probe = stackalloc byte[1];
            long n;
            using (var lease = _fd.Borrow())
            {
                n = Native.Pread(lease.Fd, probe, max);
            }
            if (n > 0)
            {
                truncated = $"truncated at {max} bytes (--max-file-size); the file had more";
            }
        }

        int errno;
        Native.StatxBuffer sx;
        using (var lease = _fd.Borrow())
        {
            errno = Native.Fstatx(lease.Fd, out sx);
        }
        if (errno != 0)
        {
            string why = "could not check the file for changes after reading: " + UnixError.Describe(errno);
            return new ContentReadNote(EntryStatus.Partial, truncated is null ? why : why + "; " + truncated, errno);
        }
        var now = FileStat.FromStatx(sx);
        string? changes = DescribeChanges(StatAtOpen, now);
        if (changes is not null)
        {
            string reason = "changed while read: " + changes;
            return new ContentReadNote(EntryStatus.Partial, truncated is null ? reason : reason + "; " + truncated);
        }
        return truncated is null ? null : new ContentReadNote(EntryStatus.Truncated, truncated);
    }

    private static string? DescribeChanges(FileStat before, FileStat after)
    {
        List<string>? parts = null;
        if (before.Size != after.Size)
        {
            (parts ??= []).Add($"size {before.Size}→{after.Size}");
        }
        if (before.ModifiedTime != after.ModifiedTime)
        {
            (parts ??= []).Add($"mtime {before.ModifiedTime}→{after.ModifiedTime}");
        }
        if (before.ChangeTime != after.ChangeTime)
        {
            (parts ??= []).Add($"ctime {before.ChangeTime}→{after.ChangeTime}");
        }
        if (after.LinkCount == 0 && before.LinkCount != 0)
        {
            (parts ??= []).Add("deleted while read (the content is that of the open file)");
        }
        return parts is null ? null : string.Join(", ", parts);
    }

    private List<DataSegment>? FindSegments()
    {
        if (_length is not long length || length == 0 || !StatAtOpen.IsSparse)
        {
            return null;
        }
        using var lease = _fd.Borrow();
        var segments = new List<DataSegment>();
        long position = 0;
        while (position < length)
        {
            // lseek(2): SEEK_DATA gives the next offset >= position holding data, ENXIO when
            // there is none up to EOF; SEEK_HOLE the next hole (EOF counts as one).
            long data = Native.Lseek(lease.Fd, position, Native.SEEK_DATA);
            if (data == -UnixError.ENXIO)
            {
                break;  // the rest is a hole
            }
            if (data < 0)
            {
                return null;  // the filesystem cannot say (EINVAL): read it as dense
            }
            if (data >= length)
            {
                break;
            }
            long hole = Native.Lseek(lease.Fd, data, Native.SEEK_HOLE);
            if (hole == -UnixError.ENXIO)
            {
                break;  // the file shrank below data meanwhile
            }
            if (hole < 0)
            {
                return null;
            }
            long end = hole > data ? Math.Min(hole, length) : length;
            if (segments.Count == MaxSegments - 1)
            {
                segments.Add(new DataSegment(data, length - data));
                break;
            }
            segments.Add(new DataSegment(data, end - data));
            position = end;
        }
        if (segments.Count == 1 && segments[0].Offset == 0 && segments[0].Length == length)
        {
            return null;  // one range covering everything: dense after all (small files with inline data)
        }
        return segments;
    }
}
