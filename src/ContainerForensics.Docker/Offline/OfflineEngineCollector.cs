using System.Text.Encodings.Web;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// Engine-wide evidence of a data root read dead-box (<c>runtimes/docker/metadata/</c>):
/// <list type="bullet">
/// <item><c>data-root.json</c> and <c>containers.json</c>, written by cfir: where the data root is
/// and how it was found, the storage driver, what could not be read; every container found, with
/// its state as recorded, and every remnant with why cfir takes it for one;</item>
/// <item><c>daemon.json</c>: the daemon's configuration in the image;</item>
/// <item><c>files/image/...</c>: the image and layer store as stored (repositories.json, each
/// image's config under imagedb/content, imagedb/metadata, layerdb's diff, cache-id, parent and
/// size of each layer, each container's mount layers, distribution), byte-exact; a layer's
/// tar-split.json.gz is recorded as skipped (the tar headers to rebuild the layer's tar, as large
/// as its file list; the layer's files are its directory);</item>
/// <item><c>files/volumes/metadata.db</c>, <c>files/network/files/local-kv.db</c> (bbolt databases of
/// volumes and networks), <c>files/engine-id</c>.</item>
/// </list>
/// </summary>
internal sealed class OfflineEngineCollector(DataRootCatalog catalog)
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task CollectAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var root = catalog.Root;
        var limits = CaptureLimits.From(options);
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "data-root.json", DataRootJson(),
            $"cfir: what it read of the data root {root.Shown}"), cancellationToken).ConfigureAwait(false);
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "containers.json", ContainersJson(),
            $"cfir: the containers recorded in {root.Shown} (containers/*/config.v2.json, hostconfig.json, the layer store) and the remnants no record owns"), cancellationToken).ConfigureAwait(false);
        await ImageEvidence.CaptureFileAsync(sink, EvidenceSection.Metadata, root.Image, DaemonJsonPath(root), "daemon.json",
            "the daemon's configuration", limits, EntryStatus.Absent, cancellationToken).ConfigureAwait(false);
        if (root.IsDirectory("image"))
        {
            await ImageEvidence.CaptureTreeAsync(sink, EvidenceSection.Metadata, root.Image, root.Of("image"), ImageEvidence.Folder + "/image",
                "the image and layer store", limits, SkipTarSplit, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (file, what) in ((string, string)[])[
            ("volumes/metadata.db", "the volume store (bbolt)"),
            ("network/files/local-kv.db", "the network store (bbolt)"),
            ("engine-id", "the daemon's engine id")])
        {
            await ImageEvidence.CaptureFileAsync(sink, EvidenceSection.Metadata, root.Image, root.Of(file), ImageEvidence.ItemName(ImageEvidence.Folder, System.Text.Encoding.UTF8.GetBytes(file)),
                what, limits, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// /etc/docker/daemon.json for a rootful data root; a rootless daemon of user U reads
    /// ~U/.config/docker/daemon.json (its data root is ~U/.local/share/docker).
    /// </summary>
    internal static string DaemonJsonPath(DataRoot root) =>
        root.Rootless && root.Path.EndsWith("/.local/share/docker", StringComparison.Ordinal)
            ? root.Path[..^"/.local/share/docker".Length] + "/.config/docker/daemon.json"
            : "/etc/docker/daemon.json";

    private static string? SkipTarSplit(Core.FileSystem.WalkEntry entry) =>
        entry.Stat?.Kind == EntryKind.File && entry.Name.SequenceEqual("tar-split.json.gz"u8)
            ? "the layer's tar headers (to rebuild its tar byte for byte), as large as its file list: not copied; the layer's files are read from its directory"
            : null;

    private byte[] DataRootJson()
    {
        var root = catalog.Root;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("dataRoot", root.Path);
            w.WriteString("readAt", root.Shown);
            w.WriteString("foundBy", root.Why);
            w.WriteBoolean("rootless", root.Rootless);
            if (catalog.Driver is { } driver)
            {
                w.WriteString("storageDriver", driver);
            }
            else
            {
                w.WriteNull("storageDriver");
            }
            w.WriteNumber("containers", catalog.Containers.Count(c => c.RemnantWhy is null));
            w.WriteNumber("remnants", catalog.Containers.Count(c => c.RemnantWhy is not null));
            w.WriteNumber("imageLayers", catalog.Layers?.Layers.Count ?? 0);
            Strings(w, "problems", catalog.Problems);
            Strings(w, "notes", catalog.Notes);
            Strings(w, "notRead",
            [
                "buildkit/, containerd/ (the daemon's own containerd, and the containerd image store of Docker 25+), plugins/, swarm/, trust/, tmp/, runtimes/: not read",
                "image/*/layerdb/sha256/*/tar-split.json.gz: recorded as skipped (see files/image)",
                "volumes/*/_data: a volume's files, collected per container with --volumes",
            ]);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private byte[] ContainersJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("dataRoot", catalog.Root.Path);
            w.WriteStartArray("containers");
            foreach (var c in catalog.Containers)
            {
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                if (c.Record is { } r)
                {
                    WriteOptional(w, "name", r.Name);
                    WriteOptional(w, "image", r.ImageName);
                    WriteOptional(w, "imageId", r.ImageId);
                    w.WriteString("state", r.State);
                    WriteOptional(w, "created", r.CreatedAsWritten);
                    WriteOptional(w, "storageDriver", r.Driver);
                    WriteOptional(w, "logDriver", r.LogDriver);
                    WriteOptional(w, "logPath", r.LogPath);
                    w.WriteStartObject("labels");
                    foreach (var (k, v) in r.Labels)
                    {
                        w.WriteString(k, v);
                    }
                    w.WriteEndObject();
                    Strings(w, "problems", r.Problems);
                }
                else
                {
                    w.WriteString("state", OfflineContainer.Removed);
                }
                w.WriteBoolean("containerFolder", c.HasFolder);
                if (c.Mount is { } m)
                {
                    WriteOptional(w, "mountId", m.MountId);
                    WriteOptional(w, "initId", m.InitId);
                    WriteOptional(w, "parentChainId", m.ParentChainId is null ? null : "sha256:" + m.ParentChainId);
                    Strings(w, "layerProblems", m.Problems);
                }
                WriteOptional(w, "remnantLayer", c.RemnantLayer);
                if (c.RemnantWhy is { } why)
                {
                    w.WriteBoolean("remnant", true);
                    w.WriteString("remnantWhy", why);
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    internal static void Strings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    internal static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
