using System.Text;
using ContainerForensics.Containerd.Api.Types;
using ContainerForensics.Containerd.Client;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Host.Mounts;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd;

/// <summary>
/// Filesystem phase of a containerd container, read-only, from host directories walked with
/// <see cref="SafeTreeWalker"/> through the shared <see cref="HostTreeCollector"/> (the same
/// overlay handling as Docker's: whiteouts, opaque and redirected directories, metacopy).
/// <list type="bullet">
/// <item>Containers.Get gives the snapshotter and snapshot key; Snapshots.Mounts gives the
/// mounts that assemble the snapshot, without mounting anything.</item>
/// <item><c>changed</c>, overlayfs snapshotter: the mount's <c>upperdir</c> is the writable
/// layer; its <c>lowerdir</c>s (topmost first) are where metacopy content is looked up.</item>
/// <item><c>full</c>, running task: the rootfs the shim mounted in the host's mount namespace,
/// <c>&lt;state&gt;/io.containerd.runtime.v2.task/&lt;ns&gt;/&lt;id&gt;/rootfs</c>, found in
/// <c>/proc/self/mountinfo</c> and accepted only when it is the very directory the task's init
/// has as its root (same device and inode as <c>/proc/PID/root</c>). Not <c>/proc/PID/root</c>
/// itself: it is a link into the container's mount namespace, whose /proc, /sys, /dev and
/// volumes are other filesystems, and its pid can be reused; the rootfs mount is the overlay
/// alone, in our namespace. A nested containerd's (a kind node's) is the same mount in the
/// node's namespace, found in the node's mountinfo, opened beneath the node's root and proven
/// the same way (<see cref="NestedTaskRootfs"/>). Not running: there is no merged tree to read; the writable layer is
/// collected instead and the record says so (the image's layers are in the engine's blobs and
/// snapshots, not re-assembled here).</item>
/// <item>A snapshotter whose mount is a bind of one directory (native, or overlayfs for an
/// image without layers): that directory is the whole tree, collected as <c>full</c>.</item>
/// </list>
/// <c>metadata/filesystem-source.json</c> records the choice before any file is collected; no
/// usable source is a recorded error, never silence; a container without a snapshot (Docker's,
/// in namespace moby) is only recorded there, as it is no failure.
/// </summary>
internal sealed class ContainerdFilesystemCollector(ContainerdClient client, ContainerdRuntime runtime)
{
    private const string TaskStateFolder = "io.containerd.runtime.v2.task";

    private const string TaskRootfsSource = "task rootfs (overlay merged)";

    public async Task CollectAsync(ContainerInfo container, string ns, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        if (options.Filesystem == FilesystemMode.None)
        {
            return;
        }
        var got = (await runtime.GetContainerAsync(container, ns, cancellationToken).ConfigureAwait(false)).Container;
        var record = new FilesystemSourceRecord
        {
            Mode = options.Filesystem.ToString().ToLowerInvariant(),
            Engine = container.Runtime,
            Snapshotter = got.Snapshotter,
            SnapshotKey = got.SnapshotKey,
        };
        var locality = runtime.Descriptor.Locality;
        // A nested containerd (a kind node): its snapshot directories are paths of the node, read beneath the node's root.
        string? root = locality.SharesHostPaths ? null : locality.PathRoot;
        if (!locality.SharesHostPaths && root is null)
        {
            // Snapshot directories and the shim's rootfs mount are paths of containerd's mount
            // namespace; read here they would be other files, or none. Recorded, not failed.
            record.Why = $"not collected: containerd is {locality.Describe()} ({locality.Why}), so the snapshot's directories are not paths of this host";
            await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
            return;
        }
        var plan = await PlanAsync(container, ns, got, options.Filesystem, record, root, cancellationToken).ConfigureAwait(false);
        try
        {
            await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
            if (plan is null)
            {
                if (!NoSnapshot(got))
                {
                    sink.RecordError($"filesystem of containerd container {container.Id} (namespace {ns}) not collected: {record.Why}");
                }
                return;
            }
            var collector = new HostTreeCollector
            {
                Section = plan.Value.Section,
                RootRawPath = "/"u8.ToArray(),
                Overlay = plan.Value.Lowers,
                OverlayRoot = root,
                Description = plan.Value.Description,
                Limits = CaptureLimits.From(options),
            };
            var result = await collector.CollectAsync(plan.Value.Walker, sink, cancellationToken).ConfigureAwait(false);
            if (result.Broken)
            {
                sink.RecordError(result.Failure!, result.Cause, result.Errno);
                await runtime.GetContainerAsync(container, ns, cancellationToken).ConfigureAwait(false); // throws "gone" when it is
            }
        }
        finally
        {
            plan?.Walker.Dispose();
        }
    }

    /// <summary>
    /// A container whose rootfs containerd did not make (dockerd passes its own; so can any
    /// client): there is nothing of containerd's to read, which is a fact recorded in
    /// filesystem-source.json, not a failure.
    /// </summary>
    private static bool NoSnapshot(Api.Container got) => string.IsNullOrEmpty(got.Snapshotter) || string.IsNullOrEmpty(got.SnapshotKey);

    private readonly record struct Plan(SafeTreeWalker Walker, EvidenceSection Section, IReadOnlyList<string>? Lowers, string Description);

    /// <summary>Picks the directory to walk and opens it; null (with <see cref="FilesystemSourceRecord.Why"/>) when there is none.</summary>
    /// <param name="root">A nested containerd's root (<see cref="RuntimeLocality.PathRoot"/>): the paths are opened beneath it.</param>
    private async Task<Plan?> PlanAsync(ContainerInfo container, string ns, Api.Container got, FilesystemMode mode, FilesystemSourceRecord record, string? root, CancellationToken cancellationToken)
    {
        if (NoSnapshot(got))
        {
            return None(record, "the container has no snapshot: its root filesystem was not made by containerd (Docker's containers in namespace moby: dockerd mounts their rootfs itself, and the Docker collector reads it)");
        }
        IList<Mount> mounts;
        try
        {
            mounts = (await client.Snapshots.MountsAsync(ns, got.Snapshotter, got.SnapshotKey, cancellationToken).ConfigureAwait(false)).Mounts;
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            return None(record, $"{runtime.Describe(ContainerdMethods.SnapshotMounts, ns)} failed: {ex.Message}");
        }
        foreach (var m in mounts)
        {
            record.SnapshotMounts.Add($"{m.Type} {m.Source} {string.Join(',', m.Options)}");
        }
        if (mounts.Count != 1)
        {
            return None(record, $"the snapshot has {mounts.Count} mounts; cfir reads a single overlay or bind mount");
        }
        var mount = mounts[0];
        string snapshot = $"snapshot {got.SnapshotKey} of snapshotter {got.Snapshotter}";

        if (mount.Type == "bind")
        {
            // One directory that is the whole tree: the native snapshotter copies every layer
            // into it; overlayfs does the same for a snapshot with no parent.
            return Open(record, root, "snapshot directory", mount.Source, EvidenceSection.FilesystemFull, null,
                $"{snapshot} is a bind of one directory, which holds the whole filesystem (the native snapshotter copies the image into each snapshot; there is no separate layer of changes)");
        }
        if (mount.Type != "overlay")
        {
            return None(record, $"{snapshot} is a '{mount.Type}' mount; cfir reads overlay and bind snapshots only");
        }
        string? upper = Option(mount, "upperdir");
        var lowers = Option(mount, "lowerdir")?.Split(':', StringSplitOptions.RemoveEmptyEntries) ?? [];

        if (mode == FilesystemMode.Full)
        {
            string why;
            if (root is not null)
            {
                var nested = await NestedRootfsAsync(container, ns, cancellationToken).ConfigureAwait(false);
                if (nested.Walker is not null)
                {
                    record.Source = TaskRootfsSource;
                    record.Path = nested.Path;
                    record.ReadBeneath = root;
                    record.Why = nested.Why;
                    return new Plan(nested.Walker, EvidenceSection.FilesystemFull, null, $"{TaskRootfsSource} {nested.Path} beneath {root}");
                }
                why = nested.Why;
            }
            else
            {
                (string? rootfs, why) = await RunningRootfsAsync(container, ns, cancellationToken).ConfigureAwait(false);
                if (rootfs is not null)
                {
                    return Open(record, root, TaskRootfsSource, rootfs, EvidenceSection.FilesystemFull, null, why);
                }
            }
            if (upper is null)
            {
                return None(record, $"full: {why}; and {snapshot} has no upperdir to fall back to");
            }
            return Open(record, root, "overlay upperdir", upper, EvidenceSection.FilesystemChanged, lowers,
                $"full: {why}, so there is no merged tree to read; the writable layer is collected instead (the image's layers: see the engine's images.json and blobs)");
        }
        if (upper is null)
        {
            return None(record, $"{snapshot} is an overlay without an upperdir (a read-only view): no writable layer");
        }
        return Open(record, root, "overlay upperdir", upper, EvidenceSection.FilesystemChanged, lowers,
            $"the writable layer of {snapshot}, from Snapshots.Mounts; whiteouts are deletions");
    }

    /// <summary>
    /// A nested task's rootfs in the node's mount namespace, opened beneath the node's root and
    /// proven to be its init's root (<see cref="NestedTaskRootfs"/>); else only why not.
    /// </summary>
    private async Task<(SafeTreeWalker? Walker, string? Path, string Why)> NestedRootfsAsync(ContainerInfo container, string ns, CancellationToken cancellationToken)
    {
        int? pid;
        try
        {
            pid = await runtime.GetInitPidAsync(container, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            return (null, null, $"cannot ask whether the task runs: {ex.Message}");
        }
        if (pid is null)
        {
            return (null, null, "the container has no running task, so its rootfs is not mounted");
        }
        return NestedTaskRootfs.Open(runtime.Descriptor.Locality, ns, container.Id, pid.Value);
    }

    /// <summary>
    /// The task's rootfs in the host's mount namespace, when the task runs and the mount found
    /// in mountinfo is the init's root (same device and inode). Else null and why not.
    /// </summary>
    private async Task<(string? Path, string Why)> RunningRootfsAsync(ContainerInfo container, string ns, CancellationToken cancellationToken)
    {
        int? pid;
        try
        {
            pid = await runtime.GetInitPidAsync(container, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            return (null, $"cannot ask whether the task runs: {ex.Message}");
        }
        if (pid is null)
        {
            return (null, "the container has no running task, so its rootfs is not mounted");
        }
        string suffix = $"/{TaskStateFolder}/{ns}/{container.Id}/rootfs";
        string? candidate = FindMountPoint(suffix);
        if (candidate is null)
        {
            return (null, $"no mount point ending in {suffix} in /proc/self/mountinfo (cfir runs in another mount namespace?)");
        }
        var root = HostFile.Stat(Encoding.UTF8.GetBytes($"/proc/{pid}/root"), out int errno);
        var mounted = HostFile.Stat(Encoding.UTF8.GetBytes(candidate), out int errno2);
        if (root is null || mounted is null)
        {
            return (null, $"cannot stat /proc/{pid}/root or {candidate} (errno {(root is null ? errno : errno2)})");
        }
        if (root.Device != mounted.Device || root.Inode != mounted.Inode)
        {
            return (null, $"{candidate} is not the root of the task's init (pid {pid}): device/inode differ");
        }
        return (candidate, $"the running task's rootfs, mounted by its shim at {candidate}; verified to be the root of init pid {pid} (same device and inode as /proc/{pid}/root)");
    }

    /// <summary>
    /// The mount point in /proc/self/mountinfo (<see cref="MountInfoLine"/>: its escapes undone)
    /// that ends with <paramref name="suffix"/>; the last one wins, as it is on top.
    /// </summary>
    internal static string? FindMountPoint(string suffix, string mountinfoPath = "/proc/self/mountinfo") =>
        FindMountPoints(suffix, mountinfoPath).LastOrDefault();

    /// <summary>Every mount point of a mountinfo file that ends with <paramref name="suffix"/>, in the file's order (the later on top).</summary>
    internal static List<string> FindMountPoints(string suffix, string mountinfoPath)
    {
        byte[] wanted = Encoding.UTF8.GetBytes(suffix);
        byte[] mountinfo = File.ReadAllBytes(mountinfoPath);
        var found = new List<string>();
        foreach (var range in mountinfo.AsSpan().Split((byte)'\n'))
        {
            // Lines that do not parse name no mount point; the host evidence reports them.
            if (MountInfoLine.ParseLine(mountinfo.AsSpan()[range]) is { } mount && mount.MountPoint.AsSpan().EndsWith(wanted))
            {
                found.Add(Encoding.UTF8.GetString(mount.MountPoint));
            }
        }
        return found;
    }

    private static string? Option(Mount mount, string name)
    {
        string prefix = name + "=";
        return mount.Options.LastOrDefault(o => o.StartsWith(prefix, StringComparison.Ordinal))?[prefix.Length..];
    }

    private static Plan? Open(FilesystemSourceRecord record, string? root, string source, string path, EvidenceSection section, IReadOnlyList<string>? lowers, string why)
    {
        record.Source = source;
        record.Path = path;
        try
        {
            SafeTreeWalker walker;
            if (root is null)
            {
                walker = SafeTreeWalker.Open(Encoding.UTF8.GetBytes(path));
            }
            else
            {
                // The nested daemon's path, every segment opened beneath the node's root without following a link.
                if (!path.StartsWith('/'))
                {
                    return None(record, $"{why}; but the nested containerd named a relative path '{path}'");
                }
                walker = SafeTreeWalker.OpenBeneath(Encoding.UTF8.GetBytes(root), Encoding.UTF8.GetBytes(path.TrimStart('/')));
                why = $"{why}; read beneath the node's root {root}, no symbolic link followed";
                record.ReadBeneath = root;
            }
            record.Why = why;
            return new Plan(walker, section, lowers, $"{source} {path}");
        }
        catch (IOException ex)
        {
            return None(record, $"{why}; but {path} cannot be opened here: {ex.Message}");
        }
    }

    private static Plan? None(FilesystemSourceRecord record, string why)
    {
        record.Source ??= "none";
        record.Why = why;
        return null;
    }
}
