using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// What a removed container can leave behind in a data root, found by comparing the
/// directories with the records that own them:
/// <list type="bullet">
/// <item>a container folder <c>&lt;driver&gt;-containers/&lt;id&gt;</c> (userdata: the OCI spec,
///   ctr.log) that neither containers.json nor libpod's database lists;</item>
/// <item>a layer folder <c>&lt;driver&gt;/&lt;id&gt;</c> that layers.json does not list, or that it
///   lists but no container and no image uses (directly or as a parent).</item>
/// </list>
/// c/storage deletes a container's layer, then its record, then its folder, so an interrupted
/// <c>podman rm</c> (or a copy of a disk taken during one) leaves these; so can directories
/// restored by undeletion. A remnant folder whose spec's root (userdata/config.json
/// <c>root.path</c>, "&lt;graph root&gt;/&lt;driver&gt;/&lt;layer&gt;/merged") names a remnant layer is one
/// remnant with both. Each remnant is collected as a container of its own (state "removed", name
/// "remnant", its id the folder's), so its log and writable layer land where a container's do, with
/// <c>metadata/remnant.json</c> saying why; the engine's <c>remnants.json</c> lists them all and
/// every name that was not looked into. Folder names that are not ids are never followed.
/// </summary>
internal sealed class PodmanRemnants
{
    public static readonly PodmanRemnants None = new();

    /// <summary>Names of c/storage's own that sit beside the ids (not remnants).</summary>
    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "containers.json", "containers.lock", "volatile-containers.json", "l", ".has-mount-program", "backingFsBlockDev",
    };

    public List<PodmanContainer> Containers { get; } = [];

    /// <summary>Per remnant id: where it is and why it is one.</summary>
    public Dictionary<string, (string? ContainerDir, string? LayerDir, string Why)> Places { get; } = new(StringComparer.Ordinal);

    /// <summary>Names in those folders that were not looked into, and why.</summary>
    public List<(string Path, string Why)> NotLookedInto { get; } = [];

    public static PodmanRemnants Find(PodmanDataRoot root)
    {
        var found = new PodmanRemnants();
        var paths = root.Paths;
        var image = root.Image;

        var ownedContainers = root.Containers.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var ownedLayers = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in root.StorageContainers.Select(c => c.Layer).Concat(root.Images.Values.SelectMany(i => i.MappedTopLayers.Prepend(i.Layer ?? ""))))
        {
            foreach (var l in root.Chain(layer is { Length: > 0 } ? layer : null, out _))
            {
                ownedLayers.Add(l.Id);
            }
        }

        // Layers no record owns: not in layers.json at all, or in it and used by nothing.
        var unownedLayers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in found.Ids(root, paths.LayersDir, "layer"))
        {
            if (ownedLayers.Contains(name))
            {
                continue;
            }
            bool parent = root.Layers.Values.Any(l => l.Parent == name);
            unownedLayers[name] = root.Layers.ContainsKey(name)
                ? $"layers.json lists layer {name}, but no container and no image uses it{(parent ? " (it is the parent of another such layer: an image layer)" : "")}: the writable layer of a removed container whose layer record was kept"
                : $"layer folder {name} is not in layers.json: its record was deleted and the folder was not (an interrupted removal)";
        }

        foreach (var id in found.Ids(root, paths.ContainersDir, "container"))
        {
            if (ownedContainers.Contains(id))
            {
                continue;
            }
            string why = $"container folder {id} is in neither containers.json nor libpod's database: its records were deleted and the folder was not (an interrupted removal)";
            string? layer = SpecLayer(root, id);
            if (layer is not null && unownedLayers.Remove(layer, out string? layerWhy))
            {
                why += $"; its spec's root is layer {layer}, {layerWhy}";
            }
            else if (layer is not null)
            {
                why += $"; its spec's root names layer {layer}, which is {(ownedLayers.Contains(layer) ? "another record's" : "not in the image")}: not collected with it";
                layer = null;
            }
            found.Add(root, id, layer, hasDir: true, why);
        }
        foreach (var (layer, why) in unownedLayers.OrderBy(l => l.Key, StringComparer.Ordinal))
        {
            found.Add(root, layer, layer, hasDir: false, why);
        }
        return found;
    }

    private void Add(PodmanDataRoot root, string id, string? layer, bool hasDir, string why)
    {
        Containers.Add(new PodmanContainer { Id = id, Kind = PodmanContainerKind.Remnant, LayerId = layer, HasContainerDir = hasDir, RemnantWhy = why });
        Places[id] = (hasDir ? root.Paths.ContainerDir(id) : null, layer is null ? null : root.Paths.LayerDir(layer), why);
    }

    /// <summary>The ids in a folder; every other name is noted and left alone, and so is an id that is not a directory.</summary>
    private IEnumerable<string> Ids(PodmanDataRoot root, string folder, string what)
    {
        var names = root.Image.List(folder, out string? problem);
        if (names is null)
        {
            if (root.Image.Lstat(folder, out int errno) is not null || errno != Core.FileSystem.UnixError.ENOENT)
            {
                NotLookedInto.Add((folder, $"not listed: {problem}"));
            }
            yield break;
        }
        foreach (var raw in names.OrderBy(n => n, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))))
        {
            string name = Encoding.UTF8.GetString(raw);
            if (Known.Contains(name) || name.StartsWith("compat", StringComparison.Ordinal) || name.EndsWith(".lock", StringComparison.Ordinal))
            {
                continue;
            }
            string path = folder + "/" + ArchivePath.EscapeSegment(raw);
            if (!PodmanIds.IsId(name))
            {
                NotLookedInto.Add((path, $"not a {what} id: not followed"));
                continue;
            }
            if (root.Image.Lstat(folder + "/" + name, out _) is not { Kind: EntryKind.Directory } stat)
            {
                NotLookedInto.Add((path, $"not a directory: not followed"));
                continue;
            }
            _ = stat;
            yield return name;
        }
    }

    /// <summary>The layer a remnant folder's OCI spec runs on, from its root.path; null when it does not say.</summary>
    private static string? SpecLayer(PodmanDataRoot root, string id)
    {
        using var spec = ImageFiles.ReadJson(root.Image, root.Paths.ContainerDir(id) + "/userdata/config.json", ImageFiles.MaxDocumentBytes, out _, out _);
        return spec is not null && Json.Object(spec.RootElement, "root") is { } r ? root.Paths.LayerOfRootPath(Json.String(r, "path")) : null;
    }

    /// <summary>The engine's <c>remnants.json</c>.</summary>
    public byte[] ToJson(PodmanDataRoot root)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("dataRoot", root.Paths.DataRoot);
            w.WriteString("note", "Folders no record owns (c/storage's containers.json and layers.json, libpod's database). Each remnant is collected as a container of its own, state \"removed\", name \"remnant\", its id the folder's: its metadata/remnant.json, logs/ and filesystem/changed/.");
            w.WriteStartArray("remnants");
            foreach (var c in Containers)
            {
                var (dir, layer, why) = Places[c.Id];
                w.WriteStartObject();
                w.WriteString("id", c.Id);
                w.WriteString("containerDir", dir);
                w.WriteString("layerDir", layer);
                w.WriteString("why", why);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("notLookedInto");
            foreach (var (path, why) in NotLookedInto)
            {
                w.WriteStartObject();
                w.WriteString("path", path);
                w.WriteString("why", why);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
