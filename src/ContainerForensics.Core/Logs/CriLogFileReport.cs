using System.Text.Encodings.Web;
using System.Text.Json;

namespace ContainerForensics.Core.Logs;

/// <summary>
/// What parsing one log file in the CRI format found (containerd's <c>cri-parsed-report.json</c>,
/// Podman's k8s-file <c>k8s-file-parsed-report.json</c>).
/// </summary>
public sealed class CriLogFileReport
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

    private static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The report of one parse: where the files lie, the format and bounds, and each file's counts.</summary>
    public static byte[] ToJson(string directory, IEnumerable<CriLogFileReport> reports) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["directory"] = directory,
        ["format"] = "<RFC3339Nano time> <stdout|stderr> <P|F> <content>",
        ["maxLineBytes"] = CriLogParser.DefaultMaxLineBytes,
        ["maxJoinedBytes"] = CriLogParser.DefaultMaxJoinedBytes,
        ["files"] = reports.Select(r => new Dictionary<string, object?>
        {
            ["file"] = r.File,
            ["gzip"] = r.Gzip,
            ["bytes"] = r.Bytes,
            ["lines"] = r.Lines,
            ["records"] = r.Records,
            ["partialParts"] = r.PartialParts,
            ["malformed"] = r.Malformed,
            ["malformedLines"] = r.MalformedLines.Select(m => new Dictionary<string, object> { ["line"] = m.Line, ["reason"] = m.Reason }).ToList(),
            ["unterminatedLastLine"] = r.UnterminatedLastLine,
            ["error"] = r.Error,
        }).ToList(),
    }, ReportJson);
}
