using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// A container of the image as the offline runtime knows it: a meta.db record (with what on disk
/// belongs to it), or a remnant, what is left on disk of containers whose record is gone (removed,
/// or unreadable in a torn meta.db). Remnants are listed as pseudo-containers in state
/// <see cref="RemnantState"/> so that their files land in the archive like a container's
/// (docs/evidence-format.md, "Dead-box remnants").
/// </summary>
internal sealed class OfflineContainer
{
    public const string RemnantState = "removed";

    public const string RemnantName = "remnant";

    public required ContainerInfo Info { get; set; }

    /// <summary>The meta.db record; null for a remnant.</summary>
    public ContainerRecord? Record { get; init; }

    /// <summary>Why cfir takes this for a remnant: each thing found and why no record owns it.</summary>
    public List<string> Orphaned { get; } = [];

    public bool IsRemnant => Record is null;

    /// <summary>The snapshot holding its files: snapshotter name and its metadata.db entry.</summary>
    public (string Snapshotter, SnapshotterEntry Entry)? Snapshot { get; set; }

    /// <summary>Why the snapshot is not known (for filesystem-source.json), when <see cref="Snapshot"/> is null.</summary>
    public string? SnapshotProblem { get; set; }

    /// <summary>A snapshot directory found without any metadata (image path), for a remnant.</summary>
    public string? BareSnapshotDirectory { get; set; }

    /// <summary>The CRI log folder in the image (<c>/var/log/pods/&lt;pod&gt;/&lt;container&gt;</c>).</summary>
    public string? LogFolder { get; set; }

    /// <summary>The kubelet's folder of the pod (<c>/var/lib/kubelet/pods/&lt;uid&gt;</c>), on the pod's sandbox or a pod remnant.</summary>
    public string? KubeletPodFolder { get; set; }

    /// <summary>The CRI plugin's checkpoint folder of it, when present in the image.</summary>
    public string? CriCheckpoint { get; set; }

    /// <summary>The task's shim work folder, when present (a task existed when the image was taken).</summary>
    public string? TaskWork { get; set; }

    /// <summary>How the state was decided, for the record.</summary>
    public string? StateWhy { get; set; }
}
