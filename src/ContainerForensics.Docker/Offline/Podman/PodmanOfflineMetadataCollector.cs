using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// The metadata phase of one container of a disk image (<c>containers/.../metadata/</c>). Where
/// the live collection has the daemon's inspect document, this has the records it is made from:
/// <list type="bullet">
/// <item><c>libpod-config.json</c>, <c>libpod-state.json</c>: the container's ContainerConfig
///   (its OCI spec, name, pod, image, log path, volumes) and ContainerState (state, times, exit
///   code, pid) byte-exact as libpod's database holds them;</item>
/// <item><c>libpod-record.json</c>: the rest of its database record (name in the registry, pod,
///   network namespace path, networks with their options, dependencies, exec sessions, exit
///   code), written by cfir;</item>
/// <item><c>storage-container.json</c>, <c>storage-layers.json</c>, <c>storage-image.json</c>:
///   c/storage's records of it, its layer chain and its image, as in containers.json, layers.json,
///   images.json; <c>image-config.json</c> and <c>image-manifest.json</c>: the image's config and
///   manifest as c/storage keeps them (big-data files of the image's folder);</item>
/// <item><c>container-dir/...</c>: every file of its c/storage folder (<c>userdata/config.json</c>,
///   the OCI spec the runtime was given; <c>artifacts/</c>; sockets and FIFOs as records) but the
///   log, which is under <c>logs/</c>;</item>
/// <item><c>remnant.json</c>: for a remnant, why cfir thinks nothing owns it.</item>
/// </list>
/// A record that is not there is an <c>absent</c> entry saying so; one that cannot be read, failed.
/// </summary>
internal sealed class PodmanOfflineMetadataCollector(PodmanDataRoot root)
{
    private const int MaxBigDataItems = 64;

    public async Task CollectAsync(PodmanContainer c, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var limits = CaptureLimits.From(options);
        if (c.Kind == PodmanContainerKind.Remnant)
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "remnant.json", RemnantJson(c), "cfir: folders of the data root that no record owns"), cancellationToken).ConfigureAwait(false);
        }
        await LibpodAsync(c, sink, cancellationToken).ConfigureAwait(false);
        await StorageAsync(c, sink, cancellationToken).ConfigureAwait(false);
        await ContainerDirAsync(c, sink, limits, cancellationToken).ConfigureAwait(false);
        await RunDirAsync(c, sink, limits, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The container's folder under the run root the database names (its hostname, hosts,
    /// resolv.conf, .containerenv, pid files): usually a tmpfs, gone with the machine, so it is
    /// collected as <c>run-dir/...</c> only when the image has it.
    /// </summary>
    private async Task RunDirAsync(PodmanContainer c, IEvidenceSink sink, CaptureLimits limits, CancellationToken cancellationToken)
    {
        if (root.Paths.Map(root.Libpod?.RuntimeConfig.GetValueOrDefault(LibpodState.RunRoot)) is not { } runRoot)
        {
            return;
        }
        string dir = $"{runRoot}/{root.Paths.Driver}-containers/{c.Id}";
        if (root.Image.Lstat(dir, out _) is { Kind: EntryKind.Directory })
        {
            await WalkAsync(dir, "/run-dir/"u8.ToArray(), "the container's folder under the run root", null, sink, limits, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task LibpodAsync(PodmanContainer c, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string db = root.Libpod is { } l ? root.Image.Show(l.Path) : "libpod's database";
        if (c.Libpod is not { } record)
        {
            string why = c.Kind == PodmanContainerKind.External
                ? $"{db} has no readable record of {c.Id}: only c/storage has it, as a container of another tool (buildah; podman ps --external), or libpod's record is lost (see libpod-database.json's problems)"
                : $"{db} has no record of {c.Id}";
            foreach (string name in (string[])["libpod-config.json", "libpod-state.json"])
            {
                await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Metadata, name, EntryStatus.Absent, why, new EvidenceSource { Description = db }), cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        await DocumentAsync(sink, "libpod-config.json", record.Config, $"{db}: {Describe(record, "config")}, libpod's ContainerConfig as stored", cancellationToken).ConfigureAwait(false);
        await DocumentAsync(sink, "libpod-state.json", record.State, $"{db}: {Describe(record, "state")}, libpod's ContainerState as stored", cancellationToken).ConfigureAwait(false);
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "libpod-record.json", RecordJson(record, c.Facts), $"cfir: the rest of {record.Source} in {db}"), cancellationToken).ConfigureAwait(false);
    }

    private static string Describe(LibpodContainerRecord record, string key) =>
        record.Source.StartsWith("bolt", StringComparison.Ordinal) ? $"bucket ctr/{record.Id}, key {key}" : $"{(key == "config" ? "ContainerConfig" : "ContainerState")}.JSON of {record.Id}";

    private static async Task DocumentAsync(IEvidenceSink sink, string name, byte[]? bytes, string description, CancellationToken cancellationToken)
    {
        var item = bytes is null
            ? EvidenceItem.NotCollected(EvidenceSection.Metadata, name, EntryStatus.Failed, "the database record has no such value, or it could not be read (see libpod-database.json)", new EvidenceSource { Description = description })
            : EvidenceItem.Json(EvidenceSection.Metadata, name, bytes, description);
        await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
    }

    private async Task StorageAsync(PodmanContainer c, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string containersJson = root.Image.Show(root.Paths.ContainersJson);
        if (c.Storage is { } s)
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "storage-container.json", s.Raw, $"{containersJson}: the element of {c.Id}"), cancellationToken).ConfigureAwait(false);
        }
        else if (c.Kind != PodmanContainerKind.Remnant)
        {
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Metadata, "storage-container.json", EntryStatus.Absent,
                $"{containersJson} has no element for {c.Id}: its storage was removed, or the container was made on a root filesystem of its own", new EvidenceSource { Description = containersJson }), cancellationToken).ConfigureAwait(false);
        }
        if (c.LayerId is { } layer)
        {
            var chain = root.Chain(layer, out string? broken);
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "storage-layers.json", LayersJson(layer, chain, broken),
                $"{root.Image.Show(root.Paths.LayersJson)}: the elements of layer {layer} and its parents, topmost first"), cancellationToken).ConfigureAwait(false);
        }
        if (c.ImageId is { } imageId)
        {
            await ImageAsync(imageId, sink, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ImageAsync(string imageId, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string imagesJson = root.Image.Show(root.Paths.ImagesJson);
        if (!root.Images.TryGetValue(imageId, out var image))
        {
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Metadata, "storage-image.json", EntryStatus.Absent,
                $"{imagesJson} has no element for image {imageId}: the image was removed", new EvidenceSource { Description = imagesJson }), cancellationToken).ConfigureAwait(false);
            return;
        }
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "storage-image.json", image.Raw, $"{imagesJson}: the element of image {imageId}"), cancellationToken).ConfigureAwait(false);
        // c/storage names a big-data file after its key, or "=" + base64 of a key with other characters (makeBigDataBaseName).
        foreach (var (key, name) in new[] { ("sha256:" + imageId, "image-config.json"), ("manifest", "image-manifest.json") })
        {
            if (!image.BigDataNames.Take(MaxBigDataItems).Contains(key))
            {
                continue;
            }
            string file = key.All(ch => ch is '.' or (>= '0' and <= '9') or (>= 'a' and <= 'z')) ? key : "=" + Convert.ToBase64String(Encoding.UTF8.GetBytes(key));
            string path = root.Paths.ImageDir(imageId) + "/" + file;
            var bytes = ImageFiles.ReadBytes(root.Image, path, ImageFiles.MaxDocumentBytes, out string? problem);
            var description = $"image file {root.Image.Show(path)}: c/storage's big-data item {key} of image {imageId}";
            await sink.AddAsync(bytes is null
                ? EvidenceItem.NotCollected(EvidenceSection.Metadata, name, EntryStatus.Failed, problem ?? "not read", new EvidenceSource { Description = description })
                : EvidenceItem.Json(EvidenceSection.Metadata, name, bytes, description), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The container's c/storage folder, walked without following a link; its log file is left to the logs phase.</summary>
    private async Task ContainerDirAsync(PodmanContainer c, IEvidenceSink sink, CaptureLimits limits, CancellationToken cancellationToken)
    {
        string dir = root.Paths.ContainerDir(c.Id);
        var source = new EvidenceSource { Description = $"image folder {root.Image.Show(dir)}: the container's c/storage folder" };
        if (root.Image.Lstat(dir, out int errno) is not { } stat)
        {
            if (c.Kind != PodmanContainerKind.Remnant)
            {
                await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Metadata, "container-dir", errno == UnixError.ENOENT ? EntryStatus.Absent : EntryStatus.Failed,
                    errno == UnixError.ENOENT ? $"{root.Image.Show(dir)} is not in the image" : $"{root.Image.Show(dir)}: {UnixError.Describe(errno)}", source,
                    errno == UnixError.ENOENT ? null : errno), cancellationToken).ConfigureAwait(false);
            }
            return;
        }
        if (stat.Kind != EntryKind.Directory)
        {
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Metadata, "container-dir", EntryStatus.Failed,
                $"{root.Image.Show(dir)} is a {stat.Kind.ToString().ToLowerInvariant()}, not a directory: not followed", source), cancellationToken).ConfigureAwait(false);
            return;
        }
        byte[]? logInside = PodmanOfflineLogCollector.LogPath(root, c) is { } log && log.StartsWith(dir + "/", StringComparison.Ordinal)
            ? Encoding.UTF8.GetBytes(log[(dir.Length + 1)..])
            : null;
        await WalkAsync(dir, "/container-dir/"u8.ToArray(), "the container's c/storage folder", logInside, sink, limits, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Every entry of a folder of the image, no link followed, under <paramref name="prefix"/>; <paramref name="skip"/> (a path below it) is left out.</summary>
    private async Task WalkAsync(string dir, byte[] prefix, string what, byte[]? skip, IEvidenceSink sink, CaptureLimits limits, CancellationToken cancellationToken)
    {
        var source = new EvidenceSource { Description = $"image folder {root.Image.Show(dir)}: {what}" };
        using var walker = root.Image.OpenTree(dir);
        foreach (var entry in walker.Walk(cancellationToken))
        {
            if (entry.IsRoot)
            {
                if (entry.Error is { } error)
                {
                    sink.RecordError($"{root.Image.Show(dir)}: {error}", null, entry.Errno, dir);
                }
                continue;
            }
            if (skip is not null && entry.RelativePath.AsSpan().SequenceEqual(skip))
            {
                continue;
            }
            byte[] raw = [.. prefix, .. entry.RelativePath];
            var item = entry.Capture(limits).ToEvidenceItem(EvidenceSection.Metadata, raw,
                source with { OriginalPath = [.. Encoding.UTF8.GetBytes(dir + "/"), .. entry.RelativePath] });
            if ((entry.Error ?? entry.NotDescended) is { } problem && item.Status == EntryStatus.Collected)
            {
                item = item with { Status = EntryStatus.Partial, Reason = "its contents were not collected: " + problem };
            }
            await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
        }
    }

    private byte[] RemnantJson(PodmanContainer c)
    {
        var (dir, layer, why) = root.Remnants.Places[c.Id];
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("id", c.Id);
            w.WriteString("dataRoot", root.Paths.DataRoot);
            w.WriteString("containerDir", dir);
            w.WriteString("layerDir", layer);
            w.WriteString("why", why);
            if (c.LayerId is { } l && root.Layers.TryGetValue(l, out var record))
            {
                w.WritePropertyName("layerRecord");
                w.WriteRawValue(record.Raw, skipInputValidation: true);
            }
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static byte[] LayersJson(string layer, List<StorageLayer> chain, string? broken)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("layer", layer);
            if (broken is not null)
            {
                w.WriteString("chainBroken", broken);
            }
            w.WriteStartArray("layers");
            foreach (var l in chain)
            {
                w.WriteRawValue(l.Raw, skipInputValidation: true);
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static byte[] RecordJson(LibpodContainerRecord record, LibpodContainerFacts? facts)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("id", record.Id);
            w.WriteString("source", record.Source);
            w.WriteString("registryName", record.Name);
            w.WriteString("podId", record.PodId);
            if (facts is not null)
            {
                w.WriteString("state", facts.LibpodState);
                w.WriteStartArray("problems");
                foreach (var p in facts.Problems)
                {
                    w.WriteStringValue(p);
                }
                w.WriteEndArray();
            }
            w.WriteStartObject("values");
            foreach (var (k, v) in record.Values.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }
            w.WriteEndObject();
            w.WriteStartObject("networks");
            foreach (var (name, opts) in record.Networks.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                w.WritePropertyName(name);
                RawOrText(w, opts);
            }
            w.WriteEndObject();
            WriteStrings(w, "dependencies", record.Dependencies);
            WriteStrings(w, "execSessions", record.ExecSessions);
            WriteStrings(w, "volumes", record.VolumeNames);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    private static void WriteStrings(Utf8JsonWriter w, string name, IEnumerable<string> values)
    {
        w.WriteStartArray(name);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    /// <summary>A stored value as JSON when it is JSON, else as text.</summary>
    internal static void RawOrText(Utf8JsonWriter w, byte[]? value)
    {
        if (value is null)
        {
            w.WriteNullValue();
            return;
        }
        using var doc = ImageFiles.Parse(value, "a value", out _);
        if (doc is not null)
        {
            doc.RootElement.WriteTo(w);
        }
        else
        {
            w.WriteStringValue(Encoding.UTF8.GetString(value));
        }
    }
}
