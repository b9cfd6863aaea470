using ContainerForensics.Containerd.Api.Snapshots;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.snapshots.v1.Snapshots: the snapshotters' filesystem layers.</summary>
internal sealed class SnapshotsClient(Snapshots.SnapshotsClient stub)
{
    /// <summary>
    /// The mounts that would assemble snapshot <paramref name="key"/> (a container's
    /// <c>snapshot_key</c>): nothing is mounted by asking. NotFound when the snapshot is gone.
    /// </summary>
    public Task<MountsResponse> MountsAsync(string ns, string snapshotter, string key, CancellationToken cancellationToken) =>
        stub.MountsAsync(new MountsRequest { Snapshotter = snapshotter, Key = key }, ContainerdClient.In(ns), cancellationToken: cancellationToken).ResponseAsync;
}
