using System.Runtime.CompilerServices;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.IO;
using ContainerForensics.Core.Logs;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// The logs phase of one container of a disk image (<c>containers/.../logs/</c>):
/// <list type="bullet">
/// <item><c>files/&lt;name&gt;</c>: the container's log file as conmon left it (ContainerConfig's
///   logPath, by default <c>userdata/ctr.log</c> in its c/storage folder), byte-exact, as the live
///   collection keeps it;</item>
/// <item><c>k8s-file-parsed.jsonl</c>: its lines with their times, read from the same descriptor
///   within the same length that was hashed. conmon writes the k8s-file format for both
///   "k8s-file" and "json-file" (libpod/oci_conmon_common.go: json-file falls through to
///   k8s-file), which is the CRI log format: <c>&lt;RFC3339Nano&gt; &lt;stdout|stderr&gt; &lt;F|P&gt;
///   &lt;line&gt;</c>; P parts are joined per stream up to the F part (<see cref="CriLogParser"/>,
///   shared with containerd's CRI logs). One JSON object per line: time (UTC, nine digits),
///   timeAsWritten, stream, text or bytes, parts, file, line;</item>
/// <item><c>k8s-file-parsed-report.json</c>: lines, records, malformed lines.</item>
/// </list>
/// Podman's k8s-file max-size truncates the one file (no rotated siblings). journald keeps the
/// log in the journal, none and passthrough keep none: each a skipped entry saying so.
/// </summary>
internal sealed class PodmanOfflineLogCollector(PodmanDataRoot root)
{
    public const string Folder = "files";

    public const string ParsedName = "k8s-file-parsed.jsonl";

    public const string ReportName = "k8s-file-parsed-report.json";

    /// <summary>
    /// The image path of the container's log file: its recorded logPath (rebased when under the
    /// recorded graph root), else conmon's default in its folder (a container whose libpod record
    /// is gone or unreadable, a remnant); null when it has none.
    /// </summary>
    public static string? LogPath(PodmanDataRoot root, PodmanContainer c)
    {
        if (c.Facts?.LogPath is { Length: > 0 } recorded)
        {
            return root.Paths.Map(recorded);
        }
        return c.HasContainerDir ? root.Paths.ContainerDir(c.Id) + "/userdata/ctr.log" : null;
    }

    public async Task CollectAsync(PodmanContainer c, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        string? driver = c.Facts?.LogDriver;
        var config = new EvidenceSource { Description = "logDriver and logPath of the container's libpod ContainerConfig" };
        if (driver is "journald" or "none" or "passthrough")
        {
            string reason = driver == "journald"
                ? "log driver journald: the log is in the systemd journal of the imaged machine (/var/log/journal), not in a file of the container; not read"
                : $"log driver {driver}: Podman keeps no log of this container";
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, Folder, EntryStatus.Skipped, reason, config), cancellationToken).ConfigureAwait(false);
            return;
        }
        string? path = LogPath(root, c);
        if (path is null)
        {
            string why = c.Facts?.LogPath is { Length: > 0 } bad
                ? $"logPath '{PodmanIds.Show(bad)}' is not an absolute path without '..': not read"
                : "no logPath is recorded and the container has no folder";
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, Folder, c.Kind == PodmanContainerKind.Remnant ? EntryStatus.Absent : EntryStatus.Failed, why, config), cancellationToken).ConfigureAwait(false);
            return;
        }
        string name = ArchivePath.EscapeSegment(System.Text.Encoding.UTF8.GetBytes(path[(path.LastIndexOf('/') + 1)..]));
        string what = c.Facts?.LogPath is { } logPath && root.Paths.Rebased(logPath, path)
            ? $"the container's log as conmon keeps it (logPath {logPath}, read under the data root where it was found)"
            : "the container's log as conmon keeps it (k8s-file)";
        if (c.Kind != PodmanContainerKind.Libpod && root.Image.Lstat(path, out _) is null)
        {
            // No libpod record names a log: conmon's default place was looked at, and has none.
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, Folder, EntryStatus.Absent,
                $"no libpod record names a log of this container, and its folder has no {root.Image.Show(path)}", config), cancellationToken).ConfigureAwait(false);
            return;
        }
        var item = ImageFiles.Capture(root.Image, EvidenceSection.Logs, Folder + "/" + name, path, CaptureLimits.From(options), what);
        if (item.Status == EntryStatus.Absent && c.Facts?.StateNumber is 1 or 2)
        {
            item = item with { Status = EntryStatus.Skipped, Reason = $"the container has never run: conmon has written no log yet ({root.Image.Show(path)})" };
        }
        if (item.Content is not { Length: long length } content || item.Status is not (EntryStatus.Collected or EntryStatus.Truncated or EntryStatus.Partial))
        {
            await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            await sink.AddAsync(item with { Content = new BorrowedContent(content) }, cancellationToken).ConfigureAwait(false);
            var report = new CriLogFileReport { File = name };
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Logs,
                Name = ParsedName,
                Content = EvidenceContent.FromStream(new PulledStream(ParseAsync(content, length, report, cancellationToken), cancellationToken)),
                Source = new EvidenceSource
                {
                    OriginalPath = item.Source?.OriginalPath,
                    Description = $"parsed from {Folder}/{name} (same bytes): one JSON object per line the container wrote, P parts joined per stream up to the F part",
                },
            }, cancellationToken).ConfigureAwait(false);
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Logs, ReportName, CriLogFileReport.ToJson(root.Image.Show(path[..path.LastIndexOf('/')]), [report]),
                $"what parsing {Folder}/{name} found"), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await content.DisposeAsync().ConfigureAwait(false);
        }
    }

    private static async IAsyncEnumerable<byte[]> ParseAsync(IEvidenceContent content, long length, CriLogFileReport report, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var parser = new CriLogParser();
        var records = parser.ParseAsync(new ContentReadStream(content, length), report, cancellationToken).GetAsyncEnumerator(cancellationToken);
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
                catch (IOException ex)
                {
                    // A bad block ends the parse; the raw file is in the archive.
                    report.Error = $"parse stopped after {report.Lines} lines: {ex.Message}";
                    break;
                }
                yield return CriLogJson.Line(records.Current);
            }
        }
        foreach (var record in parser.Flush())
        {
            yield return CriLogJson.Line(record);
        }
    }
}
