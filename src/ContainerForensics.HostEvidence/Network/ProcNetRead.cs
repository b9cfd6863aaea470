using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// One /proc/&lt;pid&gt;/net file as read: its bytes (which become the raw evidence and are what
/// the decoded documents are made from, so the two always agree) and how the read went.
/// </summary>
internal sealed record ProcNetRead
{
    public required ProcNetFile File { get; init; }

    /// <summary>"/proc/&lt;pid&gt;/net/&lt;name&gt;", for people (the read itself went through the pinned descriptor).</summary>
    public required string ProcPath { get; init; }

    /// <summary>Collected, Partial (a read error, or the file changed), Skipped (absent), Failed.</summary>
    public required EntryStatus Status { get; init; }

    public string? Reason { get; init; }

    public int? Errno { get; init; }

    /// <summary>The bytes read; null when nothing could be read.</summary>
    public byte[]? Content { get; init; }

    /// <summary>
    /// The file was larger than the decode limit: <see cref="Content"/> holds its first part,
    /// which is decoded; the raw evidence is read again in full when it is written.
    /// </summary>
    public bool Oversize { get; init; }

    public EntryMetadata Metadata { get; init; } = new();

    public UnixTime ReadAt { get; init; }

    /// <summary>sha256 of <see cref="Content"/>, lower-case hex, so a decoded document names the exact bytes it came from.</summary>
    public string? Sha256 { get; init; }

    /// <summary>
    /// The process was in another network namespace once the file was open: the bytes are kept
    /// as read, marked, and not decoded as this namespace's.
    /// </summary>
    public bool OtherNamespace { get; init; }

    /// <summary>Whether the content may be decoded: read from this namespace, whole or in part.</summary>
    public bool Decodable => Content is not null && !OtherNamespace;
}
