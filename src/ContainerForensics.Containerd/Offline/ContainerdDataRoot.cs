using System.Globalization;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// Where containerd keeps its state beneath its root directory (<c>root</c> in config.toml,
/// <c>/var/lib/containerd</c> by default), as paths of the imaged machine. Each plugin has its
/// own folder named by its plugin id (containerd's plugin.Registration: "io.containerd.&lt;type&gt;.&lt;id&gt;").
/// Only names that were validated (<see cref="Identifiers"/>, digests, numeric snapshot ids, known
/// snapshotters) are joined into a path.
/// </summary>
internal sealed record ContainerdDataRoot(string Root)
{
    public const string MetadataPlugin = "io.containerd.metadata.v1.bolt";
    public const string ContentPlugin = "io.containerd.content.v1.content";
    public const string CriPlugin = "io.containerd.grpc.v1.cri";
    public const string TaskPlugin = "io.containerd.runtime.v2.task";

    /// <summary>The snapshotters whose directories cfir reads: both keep a storage.MetaStore metadata.db and plain directories.</summary>
    public static readonly IReadOnlyList<string> ReadableSnapshotters = ["overlayfs", "native"];

    public string MetaDb => $"{Root}/{MetadataPlugin}/meta.db";

    public string SnapshotterDirectory(string snapshotter) => $"{Root}/io.containerd.snapshotter.v1.{Known(snapshotter)}";

    public string SnapshotterDb(string snapshotter) => SnapshotterDirectory(snapshotter) + "/metadata.db";

    public string SnapshotsDirectory(string snapshotter) => SnapshotterDirectory(snapshotter) + "/snapshots";

    /// <summary>
    /// The directory that holds a snapshot's files: overlayfs' <c>snapshots/&lt;id&gt;/fs</c> (its upper
    /// directory, or the whole tree of a snapshot without parent), native's <c>snapshots/&lt;id&gt;</c>
    /// (always the whole tree: native copies its parent).
    /// </summary>
    public string SnapshotFiles(string snapshotter, ulong id) =>
        $"{SnapshotsDirectory(snapshotter)}/{id.ToString(CultureInfo.InvariantCulture)}" + (Known(snapshotter) == "overlayfs" ? "/fs" : "");

    public string ContentBlob(string digest)
    {
        if (!Identifiers.IsDigest(digest))
        {
            throw new ArgumentException($"'{digest}' is not a digest", nameof(digest));
        }
        int colon = digest.IndexOf(':', StringComparison.Ordinal);
        return $"{Root}/{ContentPlugin}/blobs/{digest[..colon]}/{digest[(colon + 1)..]}";
    }

    public string CriFolder => $"{Root}/{CriPlugin}";

    /// <summary>The CRI plugin's checkpoint folder of a container (<c>containers/&lt;id&gt;/status</c>) or a sandbox (<c>sandboxes/&lt;id&gt;/</c>).</summary>
    public string CriCheckpoint(bool sandbox, string id) => $"{CriFolder}/{(sandbox ? "sandboxes" : "containers")}/{Valid(id)}";

    public string TaskFolder => $"{Root}/{TaskPlugin}";

    /// <summary>The runtime v2 shim's work folder of a task (it lives as long as the task, in the root, not the state folder).</summary>
    public string TaskWork(string ns, string id) => $"{TaskFolder}/{Valid(ns)}/{Valid(id)}";

    private static string Known(string snapshotter) => ReadableSnapshotters.Contains(snapshotter)
        ? snapshotter
        : throw new ArgumentException($"snapshotter '{snapshotter}' is not read", nameof(snapshotter));

    private static string Valid(string name) => Identifiers.IsValid(name) ? name : throw new ArgumentException($"'{name}' is not a containerd identifier", nameof(name));
}
