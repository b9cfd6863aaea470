using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// The filesystem phase of a container read dead-box, from its layer directories in the image
/// (nothing mounted), recorded first in <c>metadata/filesystem-source.json</c>:
/// <list type="bullet">
/// <item><c>--filesystem changed</c>: the writable layer <c>&lt;driver&gt;/&lt;mount-id&gt;/diff</c> walked as the
/// live collection walks an upper directory (<see cref="HostTreeCollector"/>: whiteouts, opaque and
/// redirected directories as overlayfs keeps them); a metacopy file's content is not looked up
/// below (the entry says so), the full view has it;</item>
/// <item><c>--filesystem full</c>: the writable layer stacked on the init and image layers
/// (<see cref="LayerChain"/>) and merged as overlayfs would show it (<see cref="LayerStack"/>);</item>
/// <item><c>--volumes</c>: each named (local-driver) volume's <c>volumes/&lt;name&gt;/_data</c> in the data
/// root; bind mounts and the rest are listed as not collected, as live.</item>
/// </list>
/// A remnant layer is collected the same way, from its own directory.
/// </summary>
internal sealed class OfflineFilesystemCollector(DataRootCatalog catalog)
{
    private const string FromImage = "reads the layer directories of the disk image directly (byte-exact names, xattrs, nanosecond times)";

    public async Task CollectAsync(OfflineContainer container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        if (options.Filesystem == FilesystemMode.None && !options.Volumes)
        {
            return;
        }
        var root = catalog.Root;
        var limits = CaptureLimits.From(options);
        var record = new FilesystemSourceRecord
        {
            Mode = options.Filesystem.ToString().ToLowerInvariant(),
            Engine = OfflineDockerRuntime.RuntimeName,
            GraphDriver = container.Record?.Driver ?? catalog.Driver,
        };
        var work = new List<Func<Task>>();
        string? top = container.Mount?.MountId ?? container.RemnantLayer;
        string? notHere = catalog.Layers is null ? $"no overlay layer store in {root.Shown} (storage driver: {container.Record?.Driver ?? "unknown"}): its layers are not read dead-box"
            : top is null ? "the layer store has no writable layer for it (layerdb/mounts/<id>/mount-id)"
            : container.Record?.Driver is { } d && d != catalog.Driver ? $"its storage driver is {d}, not {catalog.Driver}: its layers are not read dead-box"
            : null;
        switch (options.Filesystem)
        {
            case FilesystemMode.Changed when notHere is null:
                work.Add(PlanChanged(root, catalog.Driver!, top!, record, limits, sink, cancellationToken));
                break;
            case FilesystemMode.Full when notHere is null:
                work.Add(PlanFull(root, container, top!, record, limits, sink, cancellationToken));
                break;
            case FilesystemMode.Changed or FilesystemMode.Full:
                record.Source = "none";
                record.Why = notHere;
                break;
        }
        work.AddRange(PlanVolumes(root, container, options.Volumes, record, limits, sink, cancellationToken));
        await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
        // A remnant without a layer has no filesystem to miss; anything else that should have one and cannot be read is a failure.
        if (record.Source == "none" && (top is not null || container.RemnantWhy is null))
        {
            sink.RecordError($"filesystem not collected: {notHere}");
        }
        foreach (var step in work)
        {
            await step().ConfigureAwait(false);
        }
    }

    private static Func<Task> PlanChanged(DataRoot root, string driver, string top, FilesystemSourceRecord record, CaptureLimits limits, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string diff = LayerChain.Diff(root, driver, top);
        record.Source = "writable layer in the disk image";
        record.Path = root.Image.Show(diff);
        record.Why = $"the container's writable layer ({top}): {FromImage}; whiteouts and opaque directories as overlayfs keeps them";
        return async () =>
        {
            SafeTreeWalker walker;
            try
            {
                walker = root.Image.OpenTree(diff);
            }
            catch (IOException ex)
            {
                sink.RecordError($"the writable layer {root.Image.Show(diff)} not read", ex, ex.HResult > 0 ? ex.HResult : null);
                return;
            }
            using (walker)
            {
                var result = await new HostTreeCollector
                {
                    Section = EvidenceSection.FilesystemChanged,
                    RootRawPath = "/"u8.ToArray(),
                    Overlay = [],
                    Description = "writable layer " + root.Image.Show(diff),
                    Limits = limits,
                }.CollectAsync(walker, sink, cancellationToken).ConfigureAwait(false);
                if (result.Broken)
                {
                    sink.RecordError(result.Failure!, result.Cause, result.Errno);
                }
            }
        };
    }

    private Func<Task> PlanFull(DataRoot root, OfflineContainer container, string top, FilesystemSourceRecord record, CaptureLimits limits, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var plan = LayerChain.For(root, catalog.Layers!, top, container.Mount);
        record.Source = "layer stack in the disk image";
        record.Path = root.Image.Show(plan.Layers[0].ImagePath);
        record.Why = $"the container's layers merged as overlayfs would show them, without mounting ({plan.How}): {FromImage}";
        for (int i = 0; i < plan.Layers.Count; i++)
        {
            record.Notes.Add($"layer {i + 1} of {plan.Layers.Count}: {plan.Layers[i].Name} at {root.Image.Show(plan.Layers[i].ImagePath)}");
        }
        record.Notes.AddRange(plan.Notes);
        record.Notes.Add("merged: a name in a higher layer hides it below; whiteouts delete; opaque directories hide what is below them; the overlay's own attributes are applied, not copied (they are in the writable layer's walk with --filesystem changed)");
        return async () =>
        {
            foreach (var problem in plan.Problems)
            {
                sink.RecordError($"the merged view is incomplete: {problem}");
            }
            var layers = new List<StackLayer>();
            foreach (var layer in plan.Layers)
            {
                try
                {
                    layers.Add(new StackLayer(root.Image.OpenTree(layer.ImagePath), layer.Name) { UserXattrs = root.Rootless });
                }
                catch (IOException ex)
                {
                    sink.RecordError($"the merged view is incomplete: {layer.Name} ({root.Image.Show(layer.ImagePath)}) cannot be opened", ex, ex.HResult > 0 ? ex.HResult : null);
                }
            }
            if (layers.Count == 0)
            {
                return;
            }
            using var stack = new LayerStack(layers);
            var result = await new LayerStackCollector
            {
                Section = EvidenceSection.FilesystemFull,
                Description = $"the layers of {container.Id} in {root.Shown}",
                Limits = limits,
            }.CollectAsync(stack, sink, cancellationToken).ConfigureAwait(false);
            if (result.Broken)
            {
                sink.RecordError(result.Failure!, result.Cause, result.Errno);
            }
        };
    }

    /// <summary>One walk per named volume of the local driver, found by its name in the data root (the Source the record names is not trusted); the rest listed as not collected.</summary>
    private static List<Func<Task>> PlanVolumes(DataRoot root, OfflineContainer container, bool volumes, FilesystemSourceRecord record, CaptureLimits limits, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var work = new List<Func<Task>>();
        foreach (var m in container.Record?.Mounts ?? [])
        {
            if (!m.IsVolume)
            {
                string why = m.Type switch
                {
                    "bind" => "bind mount: content not collected (host path)",
                    "tmpfs" => "tmpfs: lived in the container's memory; not in the disk image",
                    _ => $"{m.Type ?? "unknown"} mount: content not collected",
                };
                record.NotCollected.Add(new(m.Type, m.Name, m.Destination, m.Source, null, null, why));
                continue;
            }
            string name = m.Name ?? "";
            if (!volumes)
            {
                record.NotCollected.Add(new(m.Type, name, m.Destination, m.Source, null, null, "volume: content collected only with --volumes"));
                continue;
            }
            if (!DockerIds.IsVolumeName(name))
            {
                record.NotCollected.Add(new(m.Type, name, m.Destination, m.Source, null, null, $"the volume's name '{DockerIds.Show(name)}' is not a Docker volume name: not looked for"));
                continue;
            }
            if (m.Driver is { Length: > 0 } driver && driver != "local")
            {
                record.NotCollected.Add(new(m.Type, name, m.Destination, m.Source, null, null, $"volume driver {driver}: its data is not in the data root"));
                continue;
            }
            string data = root.Of($"volumes/{name}/_data");
            record.Volumes.Add(new(m.Type, name, m.Destination, m.Source, "volume directory in the disk image", root.Image.Show(data),
                $"the local driver keeps the volume's files in the data root: {FromImage}" + (m.Source is { } s && s != data ? $" (the record names {s} as its host path)" : "")));
            work.Add(async () =>
            {
                SafeTreeWalker walker;
                try
                {
                    walker = root.Image.OpenTree(data);
                }
                catch (IOException ex)
                {
                    sink.RecordError($"volume {name}: {root.Image.Show(data)} not read", ex, ex.HResult > 0 ? ex.HResult : null);
                    return;
                }
                using (walker)
                {
                    var result = await new HostTreeCollector
                    {
                        Section = EvidenceSection.Volumes,
                        RootRawPath = Encoding.UTF8.GetBytes("/" + name),
                        MountedAt = string.IsNullOrEmpty(m.Destination) ? null : Encoding.UTF8.GetBytes(m.Destination.TrimEnd('/')),
                        IncludeRoot = true,
                        Description = $"volume {name} at {root.Image.Show(data)}",
                        Limits = limits,
                    }.CollectAsync(walker, sink, cancellationToken).ConfigureAwait(false);
                    if (result.Broken)
                    {
                        sink.RecordError(result.Failure!, result.Cause, result.Errno);
                    }
                }
            });
        }
        return work;
    }
}
