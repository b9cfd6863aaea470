using ContainerForensics.Core.Collection;

namespace ContainerForensics.Core.FileSystem;

/// <summary>How much of a file <see cref="HostFile"/> captures.</summary>
public sealed record CaptureLimits
{
    /// <summary>No size limit, sizes from stat.</summary>
    public static CaptureLimits None { get; } = new();

    /// <summary><c>--max-file-size</c>: null means no limit.</summary>
    public long? MaxFileSize { get; init; }

    /// <summary>What happens to a file larger than <see cref="MaxFileSize"/>.</summary>
    public OversizePolicy OversizePolicy { get; init; } = OversizePolicy.Truncate;

    /// <summary>
    /// For pseudo-files whose stat size means nothing (/proc reports 0, sysfs 4096): the content's
    /// length is left unknown (the archive writer spools it) and reading goes on until the file
    /// says EOF, or until <see cref="MaxFileSize"/>, which then always truncates: the size is not
    /// known beforehand, so <see cref="OversizePolicy.Skip"/> cannot apply.
    /// </summary>
    public bool ReadUntilEof { get; init; }

    /// <summary>
    /// For a tree's walk (<see cref="Trees.HostTreeCollector"/>): how many entries may be captured
    /// (opened, stat-ed) ahead of the one the archive writer is taking, on a thread of their own;
    /// each holds a descriptor until it is written. 0: capture and write take turns.
    /// </summary>
    public int CaptureAhead { get; init; } = DefaultCaptureAhead;

    /// <summary>64 open descriptors at most: far below any file limit, and enough to keep the writer fed.</summary>
    public const int DefaultCaptureAhead = 64;

    public static CaptureLimits From(CollectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CaptureLimits { MaxFileSize = options.MaxFileSize, OversizePolicy = options.Oversize, CaptureAhead = options.CaptureAhead };
    }
}
