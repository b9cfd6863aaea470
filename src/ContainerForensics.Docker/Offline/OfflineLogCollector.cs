using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Offline.LocalLogs;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// The logs phase of a container read dead-box (<c>logs/</c>): whatever log files its folder
/// holds, whatever its driver, byte-exact with their rotated and compressed siblings, under
/// <c>files/</c> as the live collection names them:
/// <list type="bullet">
/// <item>the json-file driver's <c>&lt;id&gt;-json.log</c>, <c>.1</c>, <c>.2.gz</c>, ... (one JSON object per line: already text);</item>
/// <item>the local driver's <c>local-logs/container.log</c> and its siblings, also decoded
/// (<c>local-parsed.jsonl</c>, <c>local-parsed-report.json</c>: <see cref="LocalLogParse"/>);</item>
/// <item>the dual-logging cache <c>container-cached.log</c> that dockerd keeps in the local format for
/// a driver it cannot read back (syslog, fluentd, ...), decoded the same way (<c>cached-parsed.jsonl</c>).</item>
/// </list>
/// No daemon renders them: there is no stdout.log or stderr.log as the live collection's API call
/// gives. A container with none of them gets one record (<c>files</c>) saying why.
/// </summary>
internal sealed class OfflineLogCollector(DataRootCatalog catalog)
{
    internal static readonly byte[] CachedLog = "container-cached.log"u8.ToArray();

    public async Task CollectAsync(OfflineContainer container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var root = catalog.Root;
        var limits = CaptureLimits.From(options);
        string? driver = container.Record?.LogDriver;
        var source = new EvidenceSource { Description = $"the container's folder in {root.Shown}" };
        if (!container.HasFolder)
        {
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, LogFilesFolder, EntryStatus.Absent,
                $"containers/{container.Id} is not in the data root: no log file of it is left there", source), cancellationToken).ConfigureAwait(false);
            return;
        }
        string folder = root.Of($"containers/{container.Id}");
        int found = await ImageLogFiles.CaptureAsync(sink, root.Image, folder, container.Id + "-json.log", "", "json-file log driver", limits, null, [], cancellationToken).ConfigureAwait(false);
        found += await LocalAsync(sink, root.Image, folder + "/local-logs", "container.log", "local-logs/", "local log driver", "local", limits, cancellationToken).ConfigureAwait(false);
        found += await LocalAsync(sink, root.Image, folder, "container-cached.log", "", "dual-logging cache (local format)", "cached", limits, cancellationToken).ConfigureAwait(false);
        if (found == 0)
        {
            bool neverRan = container.Record?.State == "created";
            string reason = driver is null or "json-file" or "local"
                ? neverRan ? $"the container has never run: the {driver ?? "log"} driver has written no file yet"
                    : $"no log file of the {driver ?? "container's"} driver in {root.Image.Show(folder)} (removed, or never written)"
                : $"log driver {driver}: it keeps no file in the data root, and no dual-logging cache is there";
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Logs, LogFilesFolder, neverRan || driver is not (null or "json-file" or "local") ? EntryStatus.Skipped : EntryStatus.Absent,
                reason, source), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The record that stands for the log files when there are none, named like the live collection's.</summary>
    private const string LogFilesFolder = Logs.LogFiles.Folder;

    /// <summary>The local-format files of one log, captured and decoded; how many files there were.</summary>
    private static async Task<int> LocalAsync(IEvidenceSink sink, Core.DiskImages.DiskImage image, string directory, string baseName, string itemFolder,
        string writtenBy, string prefix, CaptureLimits limits, CancellationToken cancellationToken)
    {
        var notDecoded = new List<(string Name, string Why)>();
        var files = new List<ImageLogFile>();
        try
        {
            int count = await ImageLogFiles.CaptureAsync(sink, image, directory, baseName, itemFolder, writtenBy, limits, files, notDecoded, cancellationToken).ConfigureAwait(false);
            if (count > 0)
            {
                await LocalLogParse.AddAsync(sink, files, notDecoded, prefix, image.Show(directory), cancellationToken).ConfigureAwait(false);
            }
            return count;
        }
        finally
        {
            foreach (var file in files)
            {
                await file.Content.DisposeAsync().ConfigureAwait(false);
            }
        }
    }
}
