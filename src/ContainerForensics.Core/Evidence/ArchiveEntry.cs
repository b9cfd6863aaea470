namespace ContainerForensics.Core.Evidence;

/// <summary>
/// One entry as the archive writer receives it: a safe archive path (already chosen by
/// <see cref="EvidenceLayout"/>), where it came from, what the source says about it, and its
/// content. An entry without content is a record only (a failure, a skip, a device node).
/// </summary>
public sealed record ArchiveEntry
{
    public required ArchivePath Path { get; init; }

    public EvidenceSource Source { get; init; } = new();

    public EntryMetadata Metadata { get; init; } = new();

    /// <summary>The bytes; the writer disposes it. Null for records without content.</summary>
    public IEvidenceContent? Content { get; init; }

    /// <summary>The collector's own verdict; the writer can only make it worse (read errors, changes).</summary>
    public EntryStatus Status { get; init; } = EntryStatus.Collected;

    public string? Reason { get; init; }

    public int? Errno { get; init; }

    /// <summary>
    /// For a hard link record (kind HardLink): the archive path of the name it links to, placed
    /// by the layout like any other name. The writer stores a link member to it when that name
    /// is in the archive.
    /// </summary>
    public ArchivePath? HardLinkTarget { get; init; }

    /// <summary>When the collector captured it; the writer stamps it when absent.</summary>
    public UnixTime? CollectedAt { get; init; }
}
