using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Logs;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// The metadata phase of a container read dead-box (<c>metadata/</c>):
/// <list type="bullet">
/// <item><c>files/...</c>: its folder <c>containers/&lt;id&gt;/</c> as stored, byte-exact: config.v2.json
/// (the container, its state as recorded), hostconfig.json, hostname, hosts, resolv.conf(.hash),
/// mounts/ (secrets, the shm mount point), checkpoints/, and whatever else is there; the log
/// files are left to the logs phase;</item>
/// <item><c>image-config.json</c>: its image's configuration from the image store
/// (<c>image/&lt;driver&gt;/imagedb/content/sha256/&lt;image id&gt;</c>), byte-exact; missing when the image was removed;</item>
/// <item><c>layers.json</c>, written by cfir: its writable, init and image layers, as the filesystem
/// phase stacks them, and how that was found;</item>
/// <item>for a remnant, <c>remnant.json</c>, written by cfir: why cfir takes it for one.</item>
/// </list>
/// </summary>
internal sealed class OfflineMetadataCollector(DataRootCatalog catalog)
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task CollectAsync(OfflineContainer container, IEvidenceSink sink, Core.Collection.CollectionOptions options, CancellationToken cancellationToken)
    {
        var root = catalog.Root;
        var limits = CaptureLimits.From(options);
        if (container.RemnantWhy is { } why)
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "remnant.json", RemnantJson(container, why),
                $"cfir: why it takes {container.Id} for a remnant of a removed container"), cancellationToken).ConfigureAwait(false);
        }
        if (container.HasFolder)
        {
            string id = container.Id;
            await ImageEvidence.CaptureTreeAsync(sink, EvidenceSection.Metadata, root.Image, root.Of($"containers/{id}"), ImageEvidence.Folder,
                "the container's folder in the data root", limits, entry => IsLog(entry, id) ? ImageEvidence.Leave : null, cancellationToken).ConfigureAwait(false);
        }
        if (container.Record?.ImageId is { } imageId && catalog.Driver is { } driver)
        {
            if (DockerIds.Sha256Hex(imageId) is { } hex)
            {
                await ImageEvidence.CaptureFileAsync(sink, EvidenceSection.Metadata, root.Image, root.Of($"image/{driver}/imagedb/content/sha256/{hex}"), "image-config.json",
                    $"the configuration of image {imageId}, which the container was created from", limits, EntryStatus.Missing, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                sink.RecordError($"image-config.json not collected: config.v2.json names the image '{DockerIds.Show(imageId)}', not a sha256 image id");
            }
        }
        if (catalog.Layers is { } store && (container.Mount?.MountId ?? container.RemnantLayer) is { } top)
        {
            var plan = LayerChain.For(root, store, top, container.Mount);
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "layers.json", LayersJson(container, plan),
                $"cfir: the layers of {container.Id} in {root.Shown}, as the filesystem phase stacks them"), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The log files of a container's folder, collected by the logs phase: the json-file log and its siblings, local-logs/, the dual-logging cache.</summary>
    internal static bool IsLog(Core.FileSystem.WalkEntry entry, string id)
    {
        var path = entry.RelativePath.AsSpan();
        if (path.SequenceEqual("local-logs"u8) || path.StartsWith("local-logs/"u8))
        {
            return true;
        }
        if (path.Contains((byte)'/'))
        {
            return false;
        }
        byte[] json = Encoding.ASCII.GetBytes(id + "-json.log");
        return path.SequenceEqual(json) || LogFiles.IsSibling(path, json)
            || path.SequenceEqual(OfflineLogCollector.CachedLog) || LogFiles.IsSibling(path, OfflineLogCollector.CachedLog);
    }

    private static byte[] RemnantJson(OfflineContainer container, string why)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("id", container.Id);
            w.WriteString("why", why);
            w.WriteBoolean("containerFolder", container.HasFolder);
            OfflineEngineCollector.WriteOptional(w, "remnantLayer", container.RemnantLayer);
            OfflineEngineCollector.WriteOptional(w, "mountId", container.Mount?.MountId);
            OfflineEngineCollector.WriteOptional(w, "initId", container.Mount?.InitId);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static byte[] LayersJson(OfflineContainer container, LayerChain.Plan plan)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("container", container.Id);
            OfflineEngineCollector.WriteOptional(w, "mountId", container.Mount?.MountId);
            OfflineEngineCollector.WriteOptional(w, "initId", container.Mount?.InitId);
            OfflineEngineCollector.WriteOptional(w, "parentChainId", container.Mount?.ParentChainId is { } p ? "sha256:" + p : null);
            w.WriteString("how", plan.How);
            w.WriteStartArray("layers");
            foreach (var layer in plan.Layers)
            {
                w.WriteStartObject();
                w.WriteString("name", layer.Name);
                w.WriteString("path", layer.ImagePath);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            OfflineEngineCollector.Strings(w, "problems", [.. plan.Problems, .. container.Mount?.Problems ?? []]);
            OfflineEngineCollector.Strings(w, "notes", plan.Notes);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
