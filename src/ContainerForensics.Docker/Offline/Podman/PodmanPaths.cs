namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// Where a data root's files are in the image, and what the paths libpod recorded (its graph
/// root, a log path, a volume's mount point) mean there. A recorded path under the graph root
/// the database was made with is read under the data root where it was found: a data root
/// copied elsewhere, or named with <c>--podman-root</c> because the image is laid out otherwise,
/// still reads. Any other recorded path is an absolute path of the imaged machine, resolved
/// beneath the image root like every path. A recorded path that is not absolute, holds a NUL or
/// a ".." segment names nothing.
/// </summary>
internal sealed class PodmanPaths(string dataRoot, string driver, string? recordedGraphRoot)
{
    /// <summary>The data root as an image path: "/var/lib/containers/storage".</summary>
    public string DataRoot { get; } = dataRoot.TrimEnd('/') is { Length: > 0 } r ? r : "/";

    /// <summary>The storage driver: "overlay" (c/storage names its folders after it: overlay-containers, overlay-layers, ...).</summary>
    public string Driver { get; } = driver;

    /// <summary>The graph root the database was made with, when it says.</summary>
    public string? RecordedGraphRoot { get; } = recordedGraphRoot is { Length: > 1 } g && IsUsable(g) ? g.TrimEnd('/') : null;

    public string Under(string relative) => DataRoot == "/" ? "/" + relative : DataRoot + "/" + relative;

    public string ContainersJson => Under($"{Driver}-containers/containers.json");

    public string LayersJson => Under($"{Driver}-layers/layers.json");

    public string VolatileLayersJson => Under($"{Driver}-layers/volatile-layers.json");

    public string ImagesJson => Under($"{Driver}-images/images.json");

    public string ContainersDir => Under($"{Driver}-containers");

    public string ContainerDir(string id) => Under($"{Driver}-containers/{id}");

    public string LayersDir => Under(Driver);

    public string LayerDir(string id) => Under($"{Driver}/{id}");

    public string ImageDir(string id) => Under($"{Driver}-images/{id}");

    /// <summary>
    /// A recorded path read in the image: rebased onto <see cref="DataRoot"/> when it lies under
    /// the recorded graph root; null when it is not a usable absolute path.
    /// </summary>
    public string? Map(string? recorded)
    {
        if (recorded is null || !IsUsable(recorded))
        {
            return null;
        }
        string path = recorded.TrimEnd('/');
        if (RecordedGraphRoot is { } g && (path == g || path.StartsWith(g + "/", StringComparison.Ordinal)))
        {
            return DataRoot == "/" ? path[g.Length..] is { Length: > 0 } rest ? rest : "/" : DataRoot + path[g.Length..];
        }
        return path.Length == 0 ? "/" : path;
    }

    /// <summary>Whether a recorded path was rebased (for the record of where a file was read).</summary>
    public bool Rebased(string recorded, string mapped) => !string.Equals(recorded.TrimEnd('/'), mapped, StringComparison.Ordinal);

    /// <summary>
    /// The layer a spec's root path names, when it is this data root's "&lt;graph
    /// root&gt;/&lt;driver&gt;/&lt;layer id&gt;/merged" (a container's userdata/config.json).
    /// </summary>
    public string? LayerOfRootPath(string? rootPath)
    {
        if (Map(rootPath) is not { } mapped)
        {
            return null;
        }
        string prefix = LayersDir + "/";
        if (!mapped.StartsWith(prefix, StringComparison.Ordinal) || !mapped.EndsWith("/merged", StringComparison.Ordinal))
        {
            return null;
        }
        string id = mapped[prefix.Length..^"/merged".Length];
        return PodmanIds.IsId(id) ? id : null;
    }

    private static bool IsUsable(string path) =>
        path.StartsWith('/') && !path.Contains('\0', StringComparison.Ordinal) && !path.Split('/').Contains("..");
}
