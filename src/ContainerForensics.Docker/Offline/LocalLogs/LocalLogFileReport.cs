namespace ContainerForensics.Docker.Offline.LocalLogs;

/// <summary>What decoding one local-driver log file found, for <c>local-parsed-report.json</c>.</summary>
internal sealed class LocalLogFileReport
{
    /// <summary>How many malformed records are listed (the count is always exact).</summary>
    public const int MaxMalformedListed = 20;

    public required string File { get; init; }

    public bool Gzip { get; init; }

    /// <summary>Bytes decoded (after decompression).</summary>
    public long Bytes { get; set; }

    public long Records { get; set; }

    public long PartialRecords { get; set; }

    public long Malformed { get; set; }

    /// <summary>The first <see cref="MaxMalformedListed"/> records whose frame was whole but whose protobuf was not: offset and why.</summary>
    public List<(long Offset, string Reason)> MalformedRecords { get; } = [];

    /// <summary>Why decoding stopped before the end: a frame cut off, lengths that disagree, a read error, a broken gzip; or why the file was not decoded.</summary>
    public string? Error { get; set; }

    public void AddMalformed(long offset, string reason)
    {
        Malformed++;
        if (MalformedRecords.Count < MaxMalformedListed)
        {
            MalformedRecords.Add((offset, reason));
        }
    }
}
