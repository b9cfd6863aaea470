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

    /// <summary>Set when a stream longer than the in-memory spool was stored as consecutive members.</summary>
    public StreamPart? Part { get; init; }

    public required UnixTime CollectedAt { get; init; }
}

/// <summary>
/// One member of a stream stored in parts: <see cref="Number"/> from 1, the first part's path,
/// the next part's path (none on the last), and on the last the sha256 and size of the whole
/// stream, the parts joined in order.
/// </summary>
internal sealed record StreamPart(int Number, string First, string? Next, string? WholeSha256, long? WholeSize);
