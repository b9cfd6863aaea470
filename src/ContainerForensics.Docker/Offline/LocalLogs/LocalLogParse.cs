using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text.Encodings.Web;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Docker.Offline.LocalLogs;

/// <summary>
/// The local driver's files decoded into <c>&lt;prefix&gt;-parsed.jsonl</c> (one JSON object per
/// record, <see cref="LocalLogJson"/>) and <c>&lt;prefix&gt;-parsed-report.json</c> (per file: bytes,
/// records, malformed records, why decoding stopped), read from the very descriptors and within
/// the very lengths the archive stored (rotated files oldest first, the current one last; a
/// <c>.gz</c> one decompressed as a stream, at most <see cref="MaxInflatedBytes"/>). The parse
/// runs as the archive writer pulls it: one record in memory at a time.
/// </summary>
internal static class LocalLogParse
{
    /// <summary>What one compressed file may inflate to (moby's files are 20 MB by default, compressed when rotated).</summary>
    public const long MaxInflatedBytes = 1L << 30;

    private static readonly JsonSerializerOptions ReportJson = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task AddAsync(IEvidenceSink sink, IReadOnlyList<ImageLogFile> files, IReadOnlyList<(string Name, string Why)> notDecoded,
        string prefix, string folder, CancellationToken cancellationToken)
    {
        var reports = new List<LocalLogFileReport>();
        await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Logs,
            Name = prefix + "-parsed.jsonl",
            Content = EvidenceContent.FromStream(new PulledStream(DecodeAll(files, reports, cancellationToken), cancellationToken)),
            Source = new EvidenceSource
            {
                Description = $"decoded from the local log driver's files of {folder} as stored under logs/files/ (same bytes): " +
                              "one JSON object per record (4-byte big-endian length, protobuf LogEntry, the length again), oldest file first",
            },
        }, cancellationToken).ConfigureAwait(false);
        reports.AddRange(notDecoded.Select(n => new LocalLogFileReport { File = n.Name, Error = n.Why }));
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Logs, prefix + "-parsed-report.json", Report(folder, reports),
            $"what decoding the local log driver's files of {folder} found"), cancellationToken).ConfigureAwait(false);
    }

    private static async IAsyncEnumerable<byte[]> DecodeAll(IReadOnlyList<ImageLogFile> files, List<LocalLogFileReport> reports, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        foreach (var file in files)
        {
            var report = new LocalLogFileReport { File = file.Name, Gzip = file.Gzip };
            reports.Add(report);
            Stream input = new ContentReadStream(file.Content, file.Length);
            InflateBudgetStream? budget = null;
            if (file.Gzip)
            {
                input = budget = new InflateBudgetStream(new GZipStream(input, CompressionMode.Decompress), MaxInflatedBytes);
            }
            await using (input.ConfigureAwait(false))
            {
                var records = LocalLogDecoder.ReadAsync(input, report, cancellationToken).GetAsyncEnumerator(cancellationToken);
                await using (records.ConfigureAwait(false))
                {
                    while (true)
                    {
                        try
                        {
                            if (!await records.MoveNextAsync().ConfigureAwait(false))
                            {
                                break;
                            }
                        }
                        catch (Exception ex) when (ex is IOException or InvalidDataException)
                        {
                            // A bad block or a broken gzip ends this file's decoding; the raw file is in the archive.
                            report.Error = $"decoding stopped after {report.Records} records: {ex.Message}";
                            break;
                        }
                        yield return LocalLogJson.Line(records.Current, file.Name);
                    }
                }
            }
            if (budget is { Exceeded: true })
            {
                report.Error = $"decompressed to more than {MaxInflatedBytes} bytes: decoding stopped there" + (report.Error is null ? "" : "; " + report.Error);
            }
        }
    }

    private static byte[] Report(string folder, List<LocalLogFileReport> reports) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["folder"] = folder,
        ["format"] = "frames of: uint32 big-endian length, protobuf LogEntry {source=1, time_nano=2, line=3, partial=4, partial_log_metadata=5, attrs=6}, the length again (moby daemon/logger/local)",
        ["maxMessageBytes"] = LocalLogDecoder.MaxMessageBytes,
        ["maxInflatedBytes"] = MaxInflatedBytes,
        ["files"] = reports.Select(r => new Dictionary<string, object?>
        {
            ["file"] = r.File,
            ["gzip"] = r.Gzip,
            ["bytes"] = r.Bytes,
            ["records"] = r.Records,
            ["partialRecords"] = r.PartialRecords,
            ["malformed"] = r.Malformed,
            ["malformedRecords"] = r.MalformedRecords.Select(m => new Dictionary<string, object> { ["offset"] = m.Offset, ["reason"] = m.Reason }).ToList(),
            ["error"] = r.Error,
        }).ToList(),
    }, ReportJson);
}
