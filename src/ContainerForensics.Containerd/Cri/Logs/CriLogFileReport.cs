namespace ContainerForensics.Containerd.Cri.Logs;

/// <summary>What parsing one CRI log file found, for <c>cri-parsed-report.json</c>.</summary>
internal sealed class CriLogFileReport
{
    /// <summary>How many malformed line numbers are kept (the count is always exact).</summary>
    public const int MaxMalformedListed = 20;

    public required string File { get; init; }

    public bool Gzip { get; init; }

    public long Bytes { get; set; }

    public long Lines { get; set; }

    public long Records { get; set; }

    public long PartialParts { get; set; }

    public long Malformed { get; set; }

    /// <summary>The first <see cref="MaxMalformedListed"/> malformed lines: number and why.</summary>
    public List<(long Line, string Reason)> MalformedLines { get; } = [];

    /// <summary>The last line had no newline (cut off, or still being written).</summary>
    public bool UnterminatedLastLine { get; set; }

    /// <summary>Why parsing stopped early (read error, broken gzip), or why the file was not parsed.</summary>
    public string? Error { get; set; }

    public void AddMalformed(long line, string reason)
    {
        Malformed++;
        if (MalformedLines.Count < MaxMalformedListed)
        {
            MalformedLines.Add((line, reason));
        }
    }
}
