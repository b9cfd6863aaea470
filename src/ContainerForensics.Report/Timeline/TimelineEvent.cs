using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// One point of the timeline: when, what kind of time it is (Timesketch's
/// <c>timestamp_desc</c>: "mtime", "Process started", "Log line"), a one-line message, and the
/// evidence it was read from (archive path and sha256), so every line leads back to its bytes.
/// Every text field is the evidence's words, unescaped here: the writers escape for their format.
/// </summary>
public sealed record TimelineEvent
{
    public required UnixTime When { get; init; }

    public required string TimestampDesc { get; init; }

    public required string Message { get; init; }

    /// <summary>What produced it: file, process, log, container, engine-event (Timesketch's <c>data_type</c>, prefixed cfir:).</summary>
    public required string DataType { get; init; }

    /// <summary>The archive path of the evidence it came from.</summary>
    public required string ArchivePath { get; init; }

    public string? Sha256 { get; init; }

    public string? Runtime { get; init; }

    /// <summary>"name_id12" or the archive's container folder; null for engine-wide evidence.</summary>
    public string? Container { get; init; }

    /// <summary>Further fields (pid, argv, stream, action, path in the container), written as they are.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; init; } = [];
}
