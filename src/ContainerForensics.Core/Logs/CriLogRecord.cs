namespace ContainerForensics.Core.Logs;

/// <summary>
/// One line a container wrote, joined back from its CRI log parts (P ... P F).
/// <see cref="Content"/> is the bytes as written, without the newline the runtime removed.
/// </summary>
public sealed record CriLogRecord
{
    /// <summary>The first part's timestamp, as written in the file (RFC 3339, the writer's zone).</summary>
    public required string TimeAsWritten { get; init; }

    /// <summary>The same instant in UTC with nine fractional digits.</summary>
    public required string Time { get; init; }

    /// <summary>"stdout" or "stderr".</summary>
    public required string Stream { get; init; }

    public required byte[] Content { get; init; }

    /// <summary>How many log lines (parts) were joined: 1 for a line the runtime wrote whole.</summary>
    public required int Parts { get; init; }

    /// <summary>File name and 1-based line number of the first part.</summary>
    public required string File { get; init; }

    public required long Line { get; init; }

    /// <summary>False when the file ended before the closing F part (a line still being written, or cut by rotation).</summary>
    public bool Complete { get; init; } = true;

    /// <summary>True when the joined line passed the size cap: the next record of this stream continues it.</summary>
    public bool Continues { get; init; }
}
