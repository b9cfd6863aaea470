using System.IO.Compression;
using System.Runtime.CompilerServices;
using System.Text;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.IO;
using ContainerForensics.Core.Logs;

namespace ContainerForensics.Containerd.Cri.Logs;

/// <summary>
/// A CRI container's log folder, <c>&lt;log_directory&gt;/&lt;container&gt;/</c> (by the kubelet's
/// convention <c>/var/log/pods/&lt;ns&gt;_&lt;pod&gt;_&lt;uid&gt;/&lt;container&gt;/</c>), into the Logs section:
/// <list type="bullet">
/// <item><c>files/&lt;name&gt;</c>: every file of the folder (current <c>0.log</c>, rotated, <c>.gz</c>)
/// byte-exact and hashed as on disk;</item>
/// <item><c>cri-parsed.jsonl</c>: the lines joined back from their P/F parts (<see cref="CriLogParser"/>),
/// read from the same descriptors within the same lengths that were hashed, gzip decompressed
/// as a stream;</item>
/// <item><c>cri-parsed-report.json</c>: per file, lines, records, malformed lines, errors.</item>
/// </list>
/// The folder is reachable from pods that mount /var/log (log shippers do): only the folder
/// above the pod's is trusted; the pod and container folders are opened without following a
/// symlink (<see cref="SafeTreeWalker.OpenBeneath"/>) and so is every file in them.
/// </summary>
internal static class CriLogFiles
{
    public const string Folder = "files";

    public const string ParsedName = "cri-parsed.jsonl";

    public const string ReportName = "cri-parsed-report.json";

    /// <summary>Files parsed at most (each is held open until the parse): more is not a kubelet's doing.</summary>
    public const int MaxParsedFiles = 64;

    /// <param name="root">
    /// The root of a nested containerd's mount namespace (<see cref="Core.Runtimes.RuntimeLocality.PathRoot"/>):
    /// then nothing of <paramref name="logPath"/> is trusted and every segment of it is opened beneath the root.
    /// </param>
    public static async Task CaptureAsync(IEvidenceSink sink, string logPath, CaptureLimits limits, CancellationToken cancellationToken, string? root = null)
    {
        byte[] path = Encoding.UTF8.GetBytes(logPath);
        // <trusted>/<pod folder>/<container folder>/<file>
        string[] parts = logPath.Split('/');
        if (!logPath.StartsWith('/') || parts.Length < 5 || parts[^1].Length == 0 || parts[^2].Length == 0 || parts[^3].Length == 0 || logPath.Contains('\0', StringComparison.Ordinal))
        {
            await FailAsync(sink, $"log path '{logPath}' is not <log_directory>/<container>/<file>", null, path, cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[] trusted = root is null ? Encoding.UTF8.GetBytes(string.Join('/', parts[..^3])) : Encoding.UTF8.GetBytes(root);
        byte[] beneath = root is null ? Encoding.UTF8.GetBytes(parts[^3] + "/" + parts[^2]) : Encoding.UTF8.GetBytes(string.Join('/', parts[1..^1]));
        string directory = root is null ? string.Join('/', parts[..^1]) : $"{string.Join('/', parts[..^1])} (the node's, beneath {root})";
        SafeTreeWalker walker;
        try
        {
            walker = SafeTreeWalker.OpenBeneath(trusted, beneath, new WalkOptions { MaxDepth = 1 });
        }
        catch (IOException ex)
        {
            await FailAsync(sink, $"log folder {directory} not opened: {ex.Message}", ex.HResult > 0 ? ex.HResult : null, path, cancellationToken).ConfigureAwait(false);
            return;
        }
        await CaptureWalkedAsync(sink, walker, directory, path, "host file", limits, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// A disk image's CRI log folder (dead-box): <paramref name="imagePath"/> resolved beneath the
    /// image's root (<see cref="DiskImage.OpenTree"/>), its files named as the image shows them.
    /// </summary>
    public static async Task CaptureImageFolderAsync(IEvidenceSink sink, DiskImage image, string imagePath, CaptureLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        string directory = image.Show(imagePath);
        byte[] path = Encoding.UTF8.GetBytes(directory);
        SafeTreeWalker walker;
        try
        {
            walker = image.OpenTree(imagePath, new WalkOptions { MaxDepth = 1 });
        }
        catch (IOException ex)
        {
            await FailAsync(sink, $"log folder {directory} not opened: {ex.Message}", ex.HResult > 0 ? ex.HResult : null, path, cancellationToken, "the CRI log folder in the image").ConfigureAwait(false);
            return;
        }
        await CaptureWalkedAsync(sink, walker, directory, path, "image file", limits, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The files of a log folder the caller opened, captured and parsed; <paramref name="origin"/> says where they were read ("host file", "image file").</summary>
    private static async Task CaptureWalkedAsync(IEvidenceSink sink, SafeTreeWalker walker, string directory, byte[] path, string origin, CaptureLimits limits, CancellationToken cancellationToken)
    {
        var kept = new List<(CriLogFileName Name, HostFileContent Content, long Length)>();
        var reports = new List<CriLogFileReport>();
        try
        {
            using (walker)
            {
                var entries = new List<WalkEntry>();
                foreach (var entry in walker.Walk(cancellationToken))
                {
                    if (entry.IsRoot)
                    {
                        if (entry.Error is { } error)
                        {
                            sink.RecordError($"listing CRI log folder {directory}: {error}", null, entry.Errno, directory);
                        }
                        continue;
                    }
                    entries.Add(entry);
                }
                // Parseable names in reading order first, then the rest by name.
                var ordered = entries
                    .Select(e => (Entry: e, Name: CriLogFileName.TryParse(e.Name.ToArray())))
                    .OrderBy(x => x.Name is null)
                    .ThenBy(x => x.Name, Comparer<CriLogFileName?>.Create((a, b) => a is null || b is null ? 0 : CriLogFileName.Compare(a, b)))
                    .ThenBy(x => x.Entry.RelativePath, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b)))
                    .ToList();
                foreach (var (entry, name) in ordered)
                {
                    byte[] filePath = [.. Encoding.UTF8.GetBytes(directory), (byte)'/', .. entry.Name];
                    var source = new EvidenceSource
                    {
                        OriginalPath = filePath,
                        Description = $"{origin} {Encoding.UTF8.GetString(filePath)}: CRI container log written by containerd's CRI plugin, rotated by the kubelet",
                    };
                    var capture = entry.Capture(limits);
                    var item = capture.ToEvidenceItem(EvidenceSection.Logs, filePath, source) with { RawPath = null, Name = Folder + "/" + ArchivePath.EscapeSegment(entry.Name) };
                    bool parse = name is not null && capture.Content is { Length: long length } && kept.Count < MaxParsedFiles;
                    if (parse)
                    {
                        kept.Add((name!, capture.Content!, capture.Content!.Length!.Value));
                        item = item with { Content = new BorrowedContent(capture.Content!) };
                    }
                    else if (name is not null || capture.Content is not null)
                    {
                        reports.Add(new CriLogFileReport
                        {
                            File = Encoding.UTF8.GetString(entry.Name),
                            Error = name is null ? "not a CRI log file name (<n>.log[.<time>][.gz]): kept, not parsed"
                                : capture.Content is null ? $"not read as a regular file ({(capture.Reason ?? "another kind of file, kept as such")}): not parsed"
                                : $"more than {MaxParsedFiles} log files: kept, not parsed",
                        });
                    }
                    await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
                }
            }
            if (kept.Count == 0)
            {
                await sink.AddAsync(new EvidenceItem
                {
                    Section = EvidenceSection.Logs,
                    Name = ParsedName,
                    Status = EntryStatus.Missing,
                    Reason = $"no CRI log file (<n>.log) in {directory}",
                    Source = new EvidenceSource { OriginalPath = path, Description = "CRI log folder " + directory },
                }, cancellationToken).ConfigureAwait(false);
                return;
            }
            var parsedReports = new List<CriLogFileReport>();
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = ParsedName,
                Content = EvidenceContent.FromStream(new PulledStream(ParseAll(kept, parsedReports, cancellationToken), cancellationToken)),
                Source = new EvidenceSource
                {
                    OriginalPath = path,
                    Description = $"parsed from the CRI log files of {directory} as stored under {Folder}/ (same bytes): " +
                                  "one JSON object per line the container wrote, P parts joined per stream up to the F part",
                },
            }, cancellationToken).ConfigureAwait(false);
            parsedReports.AddRange(reports);
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Logs, ReportName, CriLogFileReport.ToJson(directory, parsedReports),
                $"what parsing the CRI log files of {directory} found"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (var (_, content, _) in kept)
            {
                await content.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async IAsyncEnumerable<byte[]> ParseAll(List<(CriLogFileName Name, HostFileContent Content, long Length)> files,
        List<CriLogFileReport> reports, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = new CriLogParser();
        long? restart = null;
        foreach (var (name, content, length) in files)
        {
            if (restart is { } r && r != name.Restart)
            {
                // Another run of the container: parts left over belong to the run that ended.
                foreach (var record in parser.Flush())
                {
                    yield return CriLogJson.Line(record);
                }
            }
            restart = name.Restart;
            var report = new CriLogFileReport { File = Encoding.UTF8.GetString(name.Name), Gzip = name.Gzip };
            reports.Add(report);
            Stream input = new ContentReadStream(content, length);
            if (name.Gzip)
            {
                input = new GZipStream(input, CompressionMode.Decompress);
            }
            await using (input.ConfigureAwait(false))
            {
                var records = parser.ParseAsync(input, report, cancellationToken).GetAsyncEnumerator(cancellationToken);
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
                            // A bad block or a broken gzip ends this file's parse; the raw file is in the archive.
                            report.Error = $"parse stopped after {report.Lines} lines: {ex.Message}";
                            break;
                        }
                        yield return CriLogJson.Line(records.Current);
                    }
                }
            }
        }
        foreach (var record in parser.Flush())
        {
            yield return CriLogJson.Line(record);
        }
    }

    private static async Task FailAsync(IEvidenceSink sink, string reason, int? errno, byte[] path, CancellationToken cancellationToken, string description = "log_path of the CRI ContainerStatus") =>
        await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Logs,
            Name = Folder,
            Status = EntryStatus.Failed,
            Reason = reason,
            Errno = errno,
            Source = new EvidenceSource { OriginalPath = path, Description = description },
        }, cancellationToken).ConfigureAwait(false);
}
