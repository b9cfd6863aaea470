using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// What <see cref="HostFile"/> made of one path: the outcome, the metadata and, for a regular
/// file, its open content. A bad source file is an outcome here, never an exception.
/// <para>
/// The content holds an open descriptor: hand it to the archive writer (which disposes it) or
/// dispose it yourself.
/// </para>
/// </summary>
public sealed record HostFileCapture
{
    /// <summary>Collected (content or record), Skipped (over the size limit), Failed or Missing.</summary>
    public EntryStatus Status { get; init; } = EntryStatus.Collected;

    /// <summary>Why the status is not Collected, for the manifest.</summary>
    public string? Reason { get; init; }

    public int? Errno { get; init; }

    /// <summary>statx of the file as captured; for a failure, what the caller saw before (if anything).</summary>
    public FileStat? Stat { get; init; }

    public EntryMetadata Metadata { get; init; } = new();

    /// <summary>The bytes of a regular file; null for every other kind and for failures and skips.</summary>
    public HostFileContent? Content { get; init; }

    /// <summary>Something about the metadata that could not be read (extended attributes) while the rest was.</summary>
    public string? MetadataProblem { get; init; }

    /// <summary>
    /// The capture as a collector hands it to its sink. <paramref name="rawPath"/> is the path
    /// inside the container (or on the host), byte-exact; the layout escapes it.
    /// </summary>
    public EvidenceItem ToEvidenceItem(EvidenceSection section, byte[] rawPath, EvidenceSource? source = null) => new()
    {
        Section = section,
        RawPath = rawPath,
        Source = source,
        Metadata = Metadata,
        Content = Content,
        Status = Status,
        Reason = MetadataProblem is null ? Reason : Reason is null ? MetadataProblem : Reason + "; " + MetadataProblem,
        Errno = Errno,
    };

    internal static HostFileCapture Failure(int errno, string what, FileStat? seen)
    {
        bool gone = errno == UnixError.ENOENT;
        return new HostFileCapture
        {
            Status = gone ? EntryStatus.Missing : EntryStatus.Failed,
            Reason = gone ? "deleted before it was read" : $"{what}: {UnixError.Describe(errno)}",
            Errno = errno,
            Stat = seen,
            Metadata = seen?.ToMetadata() ?? new EntryMetadata(),
        };
    }
}
