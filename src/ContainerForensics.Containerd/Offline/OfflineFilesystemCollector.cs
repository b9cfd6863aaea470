using System.Globalization;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// Filesystem phase of a containerd container read from a disk image: the snapshot's directory
/// found through meta.db's snapshot record and the snapshotter's metadata.db (<see cref="OfflineInventory"/>),
/// walked beneath the image's root with the shared <see cref="HostTreeCollector"/>, as the live
/// collector walks a live upper directory:
/// <list type="bullet">
/// <item>overlayfs, a snapshot with parents: <c>snapshots/&lt;id&gt;/fs</c> is the overlay's upper
/// directory, the writable layer (<c>filesystem/changed</c>; whiteouts are deletions), its parents'
/// <c>fs</c> the lower directories, as containerd mounts them (upperdir of the snapshot,
/// lowerdir the parents' nearest first);</item>
/// <item>overlayfs without parents, and native: the directory is the whole tree (<c>filesystem/full</c>);</item>
/// <item>a remnant's snapshot or bare snapshot directory: the same, marked orphaned.</item>
/// </list>
/// <c>--filesystem full</c> of an overlay snapshot stacks it over its parents (the image's layers)
/// with Core's <see cref="LayerStack"/>, as Docker's and Podman's dead-box readers do, into <c>filesystem/full</c>.
/// </summary>
internal sealed class OfflineFilesystemCollector(OfflineContainerdRuntime runtime)
{
    public async Task CollectAsync(OfflineContainer container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var image = runtime.Image;
        var root = runtime.DataRoot;
        var record = new FilesystemSourceRecord
        {
            Mode = options.Filesystem.ToString().ToLowerInvariant(),
            Engine = ContainerdRuntimeProvider.RuntimeName,
            Snapshotter = container.Record?.Snapshotter ?? container.Snapshot?.Snapshotter,
            SnapshotKey = container.Record?.SnapshotKey ?? container.Snapshot?.Entry.Key,
        };
        if (container.IsRemnant)
        {
            record.Notes.Add("a remnant: " + string.Join("; ", container.Orphaned));
        }
        string? path;
        EvidenceSection section;
        IReadOnlyList<string>? lowers = null;
        if (container.Snapshot is { } snapshot)
        {
            if (snapshot.Entry.Id is not { } id)
            {
                record.Source = "none";
                record.Why = $"snapshot '{snapshot.Entry.Key}' of the {snapshot.Snapshotter} snapshotter has no readable id, so its directory is not known";
                await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
                sink.RecordError($"filesystem of containerd container {container.Info.Id} not collected: {record.Why}");
                return;
            }
            path = root.SnapshotFiles(snapshot.Snapshotter, id);
            var parents = runtime.Snapshotters[snapshot.Snapshotter].Parents(snapshot.Entry, out string? chainProblem);
            var parentPaths = parents.Where(p => p.Id is not null).Select(p => root.SnapshotFiles(snapshot.Snapshotter, p.Id!.Value)).ToList();
            foreach (var p in parents.Where(p => p.Id is null))
            {
                chainProblem = (chainProblem is null ? "" : chainProblem + "; ") + $"parent '{p.Key}' has no readable id, so its directory is not known";
            }
            if (chainProblem is not null)
            {
                record.Notes.Add($"parent chain: {chainProblem}");
            }
            string what = $"{snapshot.Entry.KindName} snapshot '{snapshot.Entry.Key}' (id {id.ToString(CultureInfo.InvariantCulture)}) of the {snapshot.Snapshotter} snapshotter";
            if (snapshot.Snapshotter == "overlayfs" && (parents.Count > 0 || chainProblem is not null))
            {
                record.SnapshotMounts.Add($"overlay overlay lowerdir={string.Join(':', parentPaths)},upperdir={path} (as containerd mounts it; read from the image, not mounted)");
                if (options.Filesystem == FilesystemMode.Full)
                {
                    var layers = new List<(string Path, string Name)> { (path, $"writable layer: {what}") };
                    layers.AddRange(parents.Where(p => p.Id is not null).Select(p => (root.SnapshotFiles(snapshot.Snapshotter, p.Id!.Value),
                        $"image layer: {p.KindName} snapshot '{p.Key}' (id {p.Id!.Value.ToString(CultureInfo.InvariantCulture)})")));
                    await CollectStackAsync(container, record, what, layers, chainProblem, sink, options, cancellationToken).ConfigureAwait(false);
                    return;
                }
                section = EvidenceSection.FilesystemChanged;
                lowers = parentPaths;
                record.Source = "overlay upperdir";
                record.Why = $"the writable layer of {what}, from meta.db and the snapshotter's metadata.db; whiteouts are deletions";
            }
            else
            {
                section = EvidenceSection.FilesystemFull;
                record.SnapshotMounts.Add($"bind {path} (as containerd mounts it; read from the image, not mounted)");
                record.Source = "snapshot directory";
                record.Why = snapshot.Snapshotter == "native"
                    ? $"{what}: the native snapshotter copies the parent into each snapshot, so its directory is the whole tree"
                    : $"{what} has no parent: its directory is the whole tree";
            }
        }
        else if (container.BareSnapshotDirectory is { } bare)
        {
            path = bare;
            section = EvidenceSection.FilesystemChanged;
            record.Source = "snapshot directory without metadata";
            record.Why = "a snapshot directory no database knows: its parents are unknown, so it is collected as a layer of changes (whiteouts are deletions when it was an overlay upper directory)";
        }
        else
        {
            record.Source = "none";
            record.Why = container.SnapshotProblem ?? "no snapshot of this container was found in the image";
            await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
            if (container.Record is { } r && !string.IsNullOrEmpty(r.Snapshotter) && !string.IsNullOrEmpty(r.SnapshotKey))
            {
                sink.RecordError($"filesystem of containerd container {container.Info.Id} (namespace {container.Info.RuntimeNamespace}) not collected: {record.Why}");
            }
            return;
        }
        record.Path = image.Show(path);
        SafeTreeWalker walker;
        try
        {
            walker = image.OpenTree(path);
        }
        catch (IOException ex)
        {
            record.Why += $"; but {image.Show(path)} cannot be opened: {ex.Message}";
            await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
            sink.RecordError($"filesystem of containerd container {container.Info.Id} not collected: {image.Show(path)}: {ex.Message}", null, ex.HResult > 0 ? ex.HResult : null, image.Show(path));
            return;
        }
        using (walker)
        {
            await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
            var collector = new HostTreeCollector
            {
                Section = section,
                RootRawPath = "/"u8.ToArray(),
                Overlay = section == EvidenceSection.FilesystemChanged ? lowers ?? [] : null,
                OverlayRoot = image.Root,
                Description = $"{record.Source} {image.Show(path)} (disk image)",
                Limits = CaptureLimits.From(options),
            };
            var result = await collector.CollectAsync(walker, sink, cancellationToken).ConfigureAwait(false);
            if (result.Broken)
            {
                sink.RecordError(result.Failure!, result.Cause, result.Errno);
            }
        }
    }
    /// <summary>
    /// <c>--filesystem full</c> of an overlay snapshot: its directory stacked over its parents'
    /// (the image's layers, nearest first, as containerd passes them as lowerdir) with Core's
    /// <see cref="LayerStack"/>, as overlayfs would show the container's root, nothing mounted. A
    /// layer that cannot be opened, or a parent chain that ends early, leaves the merged view
    /// incomplete: each is an error of the run.
    /// </summary>
    private async Task CollectStackAsync(OfflineContainer container, FilesystemSourceRecord record, string what, List<(string Path, string Name)> planned,
        string? chainProblem, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var image = runtime.Image;
        record.Source = "layer stack in the disk image";
        record.Path = image.Show(planned[0].Path);
        record.Why = $"the layers of {what} merged as overlayfs would show them, without mounting (the snapshot over its parents from the snapshotter's metadata.db): " +
            "read from the disk image's files (byte-exact names, xattrs, nanosecond times)";
        for (int i = 0; i < planned.Count; i++)
        {
            record.Notes.Add($"layer {i + 1} of {planned.Count}: {planned[i].Name} at {image.Show(planned[i].Path)}");
        }
        record.Notes.Add("merged: a name in a higher layer hides it below; whiteouts delete; opaque directories hide what is below them; the overlay's own attributes are applied, not copied (they are in the writable layer's walk with --filesystem changed)");
        var problems = new List<string>();
        if (chainProblem is not null)
        {
            problems.Add($"the merged view is incomplete: the parent chain ends early ({chainProblem}); what lower layers held is missing");
        }
        var layers = new List<StackLayer>();
        foreach (var (path, name) in planned)
        {
            try
            {
                layers.Add(new StackLayer(image.OpenTree(path), name));
            }
            catch (IOException ex)
            {
                if (layers.Count == 0)
                {
                    record.Why += $"; but the writable layer {image.Show(path)} cannot be opened: {ex.Message}";
                    await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
                    sink.RecordError($"filesystem of containerd container {container.Info.Id} not collected: {image.Show(path)}: {ex.Message}", null, ex.HResult > 0 ? ex.HResult : null, image.Show(path));
                    return;
                }
                problems.Add($"the merged view is incomplete: {name} ({image.Show(path)}) cannot be opened: {ex.Message}");
            }
        }
        using var stack = new LayerStack(layers);
        await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
        foreach (var problem in problems)
        {
            sink.RecordError(problem);
        }
        var result = await new LayerStackCollector
        {
            Section = EvidenceSection.FilesystemFull,
            Description = $"the layers of containerd container {container.Info.Id} in {image.Show(runtime.DataRoot.Root)} (disk image)",
            Limits = CaptureLimits.From(options),
        }.CollectAsync(stack, sink, cancellationToken).ConfigureAwait(false);
        if (result.Broken)
        {
            sink.RecordError(result.Failure!, result.Cause, result.Errno);
        }
    }
}
