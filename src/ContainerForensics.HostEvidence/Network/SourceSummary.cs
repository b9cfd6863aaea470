using ContainerForensics.Core.Evidence;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// How one /proc/net file went, as each decoded document lists it under "sources": the read's
/// status, the size and sha256 of the bytes decoded (those of the raw entry in the archive,
/// unless the file was over the decode limit), and the lines that could not be read.
/// </summary>
internal sealed record SourceSummary
{
    public required string File { get; init; }

    public required string ProcPath { get; init; }

    /// <summary>The manifest's status words, or "not-read" when the process was gone before this file.</summary>
    public required string Status { get; init; }

    public string? Reason { get; init; }

    /// <summary>When the file was opened (UTC, nanosecond digits): the moment its content describes.</summary>
    public string? ReadAt { get; init; }

    public long? Bytes { get; init; }

    public string? Sha256 { get; init; }

    /// <summary>Only the first <see cref="Bytes"/> were decoded: the file was larger than the decode limit.</summary>
    public bool DecodedPrefixOnly { get; init; }

    public bool Decoded { get; init; }

    public int Lines { get; init; }

    public int Entries { get; init; }

    public IReadOnlyList<UnparsedLine> Unparsed { get; init; } = [];

    public int UnparsedCount { get; init; }

    public static SourceSummary Of<T>(string name, string procPath, ProcNetRead? read, ParsedTable<T> table) => new()
    {
        File = name,
        ProcPath = procPath,
        Status = read is null ? "not-read" : StatusWord(read.Status),
        Reason = read is null ? "the process was gone before this file was read" : read.Reason,
        ReadAt = read?.ReadAt.ToIso8601(),
        Bytes = read?.Content?.LongLength,
        Sha256 = read?.Sha256,
        DecodedPrefixOnly = read?.Oversize ?? false,
        Decoded = read?.Decodable ?? false,
        Lines = table.Lines,
        Entries = table.Entries.Count,
        Unparsed = table.Unparsed,
        UnparsedCount = table.UnparsedCount,
    };

    public static string StatusWord(EntryStatus status) => status switch
    {
        EntryStatus.Collected => "collected",
        EntryStatus.Partial => "partial",
        EntryStatus.Truncated => "truncated",
        EntryStatus.Skipped => "skipped",
        EntryStatus.Failed => "failed",
        EntryStatus.Missing => "missing",
        _ => status.ToString().ToLowerInvariant(),
    };
}
