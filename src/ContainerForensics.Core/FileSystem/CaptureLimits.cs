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

    public static CaptureLimits From(CollectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return new CaptureLimits { MaxFileSize = options.MaxFileSize, OversizePolicy = options.Oversize };
    }
}
