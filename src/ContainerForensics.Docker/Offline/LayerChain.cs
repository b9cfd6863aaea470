using System.Text;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// The layer directories of a container, as overlay2 stacks them when it mounts the container
/// (moby daemon/graphdriver/overlay2): the writable layer <c>&lt;driver&gt;/&lt;mount-id&gt;/diff</c> on
/// top, then what its <c>lower</c> file lists, topmost first: <c>l/&lt;short&gt;</c> names (26
/// characters of base32) whose links under <c>&lt;driver&gt;/l/</c> point at <c>../&lt;cache id&gt;/diff</c>
/// (the init layer's, then the image's layers'). Each link is read as a link, never followed;
/// its target must have exactly that shape, and the layer is then opened by its cache id under
/// the driver's folder. Without a <c>lower</c> file the stack is rebuilt from the layer store
/// (init-id, then the chain of parent layers from the mount's parent).
/// </summary>
internal static class LayerChain
{
    /// <summary>A layer of the plan: its image path and how records name it.</summary>
    internal sealed record PlannedLayer(string ImagePath, string Name);

    /// <param name="Problems">A layer left out of the merged view, and why: evidence not read.</param>
    /// <param name="Notes">What is worth knowing but loses nothing (the lower file and the layer store disagree).</param>
    internal sealed record Plan(IReadOnlyList<PlannedLayer> Layers, string How, IReadOnlyList<string> Problems, IReadOnlyList<string> Notes);

    /// <summary>The image path of a layer directory's diff under the driver's folder.</summary>
    public static string Diff(DataRoot root, string driver, string layerDirectory) => root.Of($"{driver}/{layerDirectory}/diff");

    /// <summary>The writable layer, then the lower layers, for <paramref name="topDirectory"/> (a container's mount-id, or a remnant layer directory).</summary>
    public static Plan For(DataRoot root, LayerStore store, string topDirectory, ContainerMountLayers? mount)
    {
        var problems = new List<string>();
        var notes = new List<string>();
        var layers = new List<PlannedLayer> { new(Diff(root, store.Driver, topDirectory), $"writable layer {store.Driver}/{topDirectory}/diff") };
        var chainProblems = new List<string>();
        var fromStore = Expected(store, mount, chainProblems);
        var fromLower = FromLowerFile(root, store, topDirectory, problems);
        string how;
        IReadOnlyList<string> lower;
        if (fromLower is not null)
        {
            lower = fromLower;
            how = $"{store.Driver}/{topDirectory}/lower, each l/ link resolved inside the image";
            if (mount is not null && fromStore is not null && !fromStore.SequenceEqual(fromLower))
            {
                notes.Add($"the lower file lists [{string.Join(", ", fromLower)}] but the layer store's chain is [{string.Join(", ", fromStore)}]: the lower file is what overlay2 mounted, and is used");
            }
        }
        else if (fromStore is not null)
        {
            lower = fromStore;
            problems.AddRange(chainProblems);
            chainProblems.Clear();
            how = "the layer store: the mount's init-id, then the image's layers from its parent chain id";
        }
        else
        {
            lower = [];
            how = "the writable layer alone: neither a lower file nor the layer store names the layers below it";
        }
        notes.AddRange(chainProblems.Select(p => "the layer store: " + p));
        foreach (var directory in lower)
        {
            layers.Add(new PlannedLayer(Diff(root, store.Driver, directory), Describe(store, directory)));
        }
        return new Plan(layers, how, problems, notes);
    }

    private static string Describe(LayerStore store, string directory)
    {
        if (directory.EndsWith("-init", StringComparison.Ordinal))
        {
            return $"init layer {store.Driver}/{directory}/diff";
        }
        return store.ByCache(directory) is { } layer
            ? $"image layer sha256:{layer.ChainId} (diff {layer.DiffId ?? "unknown"}) {store.Driver}/{directory}/diff"
            : $"layer {store.Driver}/{directory}/diff (not in the layer store)";
    }

    /// <summary>The layer directories below a container's writable layer by the layer store; null without a mount record.</summary>
    private static List<string>? Expected(LayerStore store, ContainerMountLayers? mount, List<string> problems)
    {
        if (mount is null)
        {
            return null;
        }
        var expected = new List<string>();
        if (mount.InitId is { } init)
        {
            expected.Add(init);
        }
        foreach (var layer in store.Chain(mount.ParentChainId, problems))
        {
            if (layer.CacheId is { } cache)
            {
                expected.Add(cache);
            }
        }
        return expected;
    }

    /// <summary>The lower file, each entry checked and resolved; null when there is no lower file (a base layer has none).</summary>
    private static List<string>? FromLowerFile(DataRoot root, LayerStore store, string top, List<string> problems)
    {
        string lowerPath = root.Of($"{store.Driver}/{top}/lower");
        var bytes = root.Image.ReadAll(lowerPath, 64 * 1024, out string? problem);
        if (bytes is null)
        {
            if (root.Image.Lstat(lowerPath, out _) is not null)
            {
                problems.Add($"{store.Driver}/{top}/lower not read: {problem}");
            }
            return null;
        }
        var result = new List<string>();
        foreach (var entry in DockerIds.OneLine(bytes).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (!entry.StartsWith("l/", StringComparison.Ordinal) || !DockerIds.IsShortLink(entry.AsSpan(2)))
            {
                problems.Add($"{store.Driver}/{top}/lower lists '{DockerIds.Show(entry)}', not an l/ link name: that layer is left out of the merged view");
                continue;
            }
            string link = root.Of($"{store.Driver}/{entry}");
            var capture = root.Image.Capture(link, CaptureLimits.None);
            capture.Content?.Dispose();
            if (capture.Metadata.LinkTarget is not { } target || capture.Metadata.Kind != Core.Evidence.EntryKind.Symlink)
            {
                problems.Add($"{store.Driver}/{entry} is not a link ({capture.Reason ?? capture.Metadata.Kind.ToString().ToLowerInvariant()}): that layer is left out of the merged view");
                continue;
            }
            string text = Encoding.UTF8.GetString(target);
            // overlay2 writes exactly "../<cache id>/diff".
            if (text.Length <= 8 || !text.StartsWith("../", StringComparison.Ordinal) || !text.EndsWith("/diff", StringComparison.Ordinal) || !DockerIds.IsLayerDirectory(text.AsSpan(3, text.Length - 8)))
            {
                problems.Add($"{store.Driver}/{entry} points at '{DockerIds.Show(text)}', not ../<layer>/diff: not followed, that layer is left out of the merged view");
                continue;
            }
            result.Add(text[3..^5]);
        }
        return result;
    }
}
