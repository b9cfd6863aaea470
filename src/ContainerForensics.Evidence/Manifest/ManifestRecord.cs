using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Manifest;

/// <summary>
/// One line of manifest/manifest.jsonl: everything known about one entry (docs/evidence-format.md
/// lists the fields). Built by the writer once the entry's bytes are out.
/// </summary>
internal sealed record ManifestRecord
{
    public required ArchivePath Path { get; init; }

    public required ArchiveEntry Entry { get; init; }

    /// <summary>Kind as stored: a second name of a file becomes "hardlink".</summary>
    public required string Kind { get; init; }

    public required EntryStatus Status { get; init; }

    public string? Reason { get; init; }

    public int? Errno { get; init; }

    /// <summary>Null when the entry has no member in the archive (a record only).</summary>
    public string? Member { get; init; }

    public long? StoredSize { get; init; }

    public long BytesRead { get; init; }

    public Digests? Digests { get; init; }

    public string? HardLinkTo { get; init; }

    public IReadOnlyList<DataSegment>? Segments { get; init; }

    public IReadOnlyList<DataSegment> Unreadable { get; init; } = [];

    public bool ChangedWhileRead { get; init; }

    public long HeaderOffset { get; init; }

    public required UnixTime CollectedAt { get; init; }
}
