namespace ContainerForensics.Core.Evidence;

/// <summary>
/// A piece of evidence as a collector hands it over: which section, its name there, and the
/// rest of an entry. The name is either a plain relative name the collector picked
/// ("inspect.json", "proc/1/maps") or, for files from a container, the raw path bytes inside
/// the container; the layout turns either into a safe archive path.
/// </summary>
public sealed record EvidenceItem
{
    public required EvidenceSection Section { get; init; }

    /// <summary>A relative, '/'-separated name chosen by the collector (ASCII, no "..").</summary>
    public string? Name { get; init; }

    /// <summary>A raw path from the source (may hold any byte but NUL); escaped segment by segment.</summary>
    public byte[]? RawPath { get; init; }

    public EvidenceSource? Source { get; init; }

    public EntryMetadata Metadata { get; init; } = new();

    public IEvidenceContent? Content { get; init; }

    public EntryStatus Status { get; init; } = EntryStatus.Collected;

    public string? Reason { get; init; }

    public int? Errno { get; init; }

    public UnixTime? CollectedAt { get; init; }

    public static EvidenceItem Json(EvidenceSection section, string name, ReadOnlyMemory<byte> utf8Json, string description) => new()
    {
        Section = section,
        Name = name,
        Content = EvidenceContent.FromBytes(utf8Json),
        Source = new EvidenceSource { Description = description },
    };

    /// <summary>
    /// A record of a path inside a container that has no content of its own: what was not
    /// collected (missing, failed, skipped, or a directory whose walk was cut) and why. The
    /// manifest line is the evidence; <paramref name="metadata"/> is what is known of the path.
    /// </summary>
    public static EvidenceItem NotCollected(EvidenceSection section, byte[] rawPath, EntryStatus status, string reason, EvidenceSource? source, EntryMetadata? metadata = null, int? errno = null) => new()
    {
        Section = section,
        RawPath = rawPath,
        Source = source,
        Metadata = metadata ?? new EntryMetadata(),
        Status = status,
        Reason = reason,
        Errno = errno,
    };

    /// <summary>
    /// A record of named evidence (not a path inside a container) that has no content: what was
    /// not collected (missing, failed, skipped, absent) and why. The one factory for such records.
    /// </summary>
    public static EvidenceItem NotCollected(EvidenceSection section, string name, EntryStatus status, string reason, EvidenceSource? source, int? errno = null) => new()
    {
        Section = section,
        Name = name,
        Source = source,
        Status = status,
        Reason = reason,
        Errno = errno,
    };
}
