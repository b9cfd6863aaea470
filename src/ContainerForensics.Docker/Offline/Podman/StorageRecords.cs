using System.Text.Json;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// One element of c/storage's <c>&lt;driver&gt;-containers/containers.json</c>: a container's
/// storage (its writable layer, its image), whichever tool made it (libpod, buildah). The
/// element's JSON is kept as written.
/// </summary>
internal sealed record StorageContainer(string Id, IReadOnlyList<string> Names, string? Image, string? Layer, string? Metadata, DateTimeOffset? Created, byte[] Raw);

/// <summary>One element of <c>&lt;driver&gt;-layers/layers.json</c> (or volatile-layers.json): a layer and its parent.</summary>
internal sealed record StorageLayer(string Id, string? Parent, IReadOnlyList<string> Names, DateTimeOffset? Created, string? DiffDigest, string? CompressedDigest, byte[] Raw);

/// <summary>One element of <c>&lt;driver&gt;-images/images.json</c>: an image, its top layer and its big-data items.</summary>
internal sealed record StorageImage(string Id, IReadOnlyList<string> Names, string? Layer, IReadOnlyList<string> MappedTopLayers, IReadOnlyList<string> BigDataNames, byte[] Raw);

/// <summary>Reads the arrays of the three c/storage files; an element without a valid id is a problem, not a record.</summary>
internal static class StorageRecords
{
    /// <summary>The most elements read from one file.</summary>
    public const int MaxElements = 100_000;

    public static List<StorageContainer> Containers(JsonElement root, string file, List<string> problems) =>
        Elements(root, file, problems, (e, id) => new StorageContainer(id, Json.Strings(e, "names"), Id(e, "image"), Id(e, "layer"),
            Json.String(e, "metadata"), Json.Time(e, "created"), Raw(e)));

    public static List<StorageLayer> Layers(JsonElement root, string file, List<string> problems) =>
        Elements(root, file, problems, (e, id) => new StorageLayer(id, Id(e, "parent"), Json.Strings(e, "names"), Json.Time(e, "created"),
            Json.String(e, "diff-digest"), Json.String(e, "compressed-diff-digest"), Raw(e)));

    public static List<StorageImage> Images(JsonElement root, string file, List<string> problems) =>
        Elements(root, file, problems, (e, id) => new StorageImage(id, Json.Strings(e, "names"), Id(e, "layer"),
            Json.Strings(e, "mapped-top-layers").Where(PodmanIds.IsId).ToList(), Json.Strings(e, "big-data-names"), Raw(e)));

    private static List<T> Elements<T>(JsonElement root, string file, List<string> problems, Func<JsonElement, string, T> make)
    {
        var result = new List<T>();
        if (root.ValueKind != JsonValueKind.Array)
        {
            problems.Add($"{file}: not a JSON array ({root.ValueKind})");
            return result;
        }
        int index = 0;
        foreach (var e in root.EnumerateArray())
        {
            if (index++ >= MaxElements)
            {
                problems.Add($"{file}: more than {MaxElements} elements; the rest were not read");
                break;
            }
            string? id = Json.String(e, "id");
            if (!PodmanIds.IsId(id))
            {
                problems.Add($"{file}: element {index - 1} has no valid id ({PodmanIds.Show(id)}): not used");
                continue;
            }
            result.Add(make(e, id!));
        }
        return result;
    }

    /// <summary>A reference to another record: only a valid id is kept (a bad one names nothing).</summary>
    private static string? Id(JsonElement e, string name) => Json.String(e, name) is { } v && PodmanIds.IsId(v) ? v : null;

    private static byte[] Raw(JsonElement e) => System.Text.Encoding.UTF8.GetBytes(e.GetRawText());
}
