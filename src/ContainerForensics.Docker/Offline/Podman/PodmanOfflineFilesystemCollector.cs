using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// The filesystem phase of one container of a disk image. <c>metadata/filesystem-source.json</c>
/// first (the same record as a live collection's), then:
/// <list type="bullet">
/// <item>changed: the writable layer's <c>&lt;driver&gt;/&lt;layer&gt;/diff</c>, walked beneath the image
///   root with overlayfs' markers read as the live collection reads an upper directory (0:0
///   character devices are whiteouts, opaque directories said). Metacopy content would be in a
///   lower layer, which an image walk does not open: such a file is partial and says so;</item>
/// <item>full: the layer chain layers.json gives (the container's layer and its parents)
///   merged top-down with Core's layer stack (<see cref="PodmanLayerChain"/>), under
///   <c>filesystem/full</c>;</item>
/// <item>volumes, with <c>--volumes</c>: each named volume's <c>_data</c> folder (its libpod
///   VolumeConfig mountPoint, rebased under the data root when it lies under the recorded graph
///   root). Bind mounts are listed as not collected: their sources are paths of the imaged machine.</item>
/// </list>
/// A folder that is a link (a planted <c>diff -&gt; /etc</c>) is not followed: the record says so.
/// </summary>
internal sealed class PodmanOfflineFilesystemCollector(PodmanDataRoot root)
{
    public async Task CollectAsync(PodmanContainer c, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        if (options.Filesystem == FilesystemMode.None && !options.Volumes)
        {
            return;
        }
        var limits = CaptureLimits.From(options);
        var record = new FilesystemSourceRecord
        {
            Mode = options.Filesystem.ToString().ToLowerInvariant(),
            Engine = "podman",
            GraphDriver = root.Paths.Driver,
        };
        var sources = new List<(SafeTreeWalker Walker, HostTreeCollector Collector)>();
        PodmanLayerChain? chain = null;
        try
        {
            if (options.Filesystem == FilesystemMode.Full)
            {
                chain = PlanFull(c, limits, record, sources);
            }
            else if (options.Filesystem == FilesystemMode.Changed)
            {
                PlanChanged(c, limits, record, sources);
            }
            PlanVolumes(c, options.Volumes, limits, record, sources);
            await sink.AddAsync(record.ToItem(), cancellationToken).ConfigureAwait(false);
            if (options.Filesystem != FilesystemMode.None && record.Source is null && c.LayerId is not null)
            {
                sink.RecordError($"filesystem of {c.Id} not collected: {record.Why}");
            }
            if (chain is not null)
            {
                await chain.CollectAsync(sink, limits, cancellationToken).ConfigureAwait(false);
            }
            foreach (var (walker, collector) in sources)
            {
                var result = await collector.CollectAsync(walker, sink, cancellationToken).ConfigureAwait(false);
                if (result.Broken)
                {
                    sink.RecordError(result.Failure!, result.Cause, result.Errno);
                }
            }
        }
        finally
        {
            chain?.Dispose();
            foreach (var (walker, _) in sources)
            {
                walker.Dispose();
            }
        }
    }

    private void PlanChanged(PodmanContainer c, CaptureLimits limits, FilesystemSourceRecord record, List<(SafeTreeWalker, HostTreeCollector)> sources)
    {
        if (WhyNoLayer(c) is { } none)
        {
            record.Why = none;
            return;
        }
        string diff = root.Paths.LayerDir(c.LayerId!) + "/diff";
        record.Path = diff;
        if (OpenDirectory(diff, out string? why) is not { } walker)
        {
            record.Why = why;
            return;
        }
        record.Source = $"{root.Paths.Driver} layer diff";
        record.Why = $"the container's writable layer {c.LayerId} ({root.Image.Show(diff)}), read from the disk image's files: byte-exact names, xattrs, nanosecond times; whiteouts and opaque directories as overlayfs keeps them";
        if (root.Paths.Driver == "overlay")
        {
            record.Notes.Add("a metacopy file's content is in a lower layer, which is not opened from the writable layer alone: such a file is partial and says so (use --filesystem full for the merged view)");
        }
        sources.Add((walker, new HostTreeCollector
        {
            Section = EvidenceSection.FilesystemChanged,
            RootRawPath = "/"u8.ToArray(),
            Overlay = root.Paths.Driver == "overlay" ? [] : null,
            Description = $"{root.Paths.Driver} layer diff {root.Image.Show(diff)}",
            Limits = limits,
        }));
    }

    private PodmanLayerChain? PlanFull(PodmanContainer c, CaptureLimits limits, FilesystemSourceRecord record, List<(SafeTreeWalker, HostTreeCollector)> sources)
    {
        if (WhyNoLayer(c) is { } none)
        {
            record.Why = none;
            return null;
        }
        var chain = root.Chain(c.LayerId, out string? broken);
        if (chain.Count == 0)
        {
            // A remnant layer without a record: only its own folder is known.
            record.Notes.Add($"the layer chain is not known ({broken}): only the writable layer is collected, under filesystem/changed");
            PlanChanged(c, limits, record, sources);
            return null;
        }
        var stack = PodmanLayerChain.Open(root, chain, broken, record, out string? problem);
        if (stack is null)
        {
            record.Why = problem;
            return null;
        }
        record.Source = $"{root.Paths.Driver} layer chain";
        record.Path = root.Image.Show(root.Paths.LayerDir(chain[0].Id) + "/diff");
        record.Why = $"the container's layers merged as overlayfs would show them, without mounting: its layer {c.LayerId} and its {chain.Count - 1} parents (layers.json), topmost first, read from the disk image's files (byte-exact names, xattrs, nanosecond times)";
        record.Notes.Add("merged: a name in a higher layer hides it below; whiteouts delete; opaque directories hide what is below them; the overlay's own attributes are applied, not copied (they are in the writable layer's walk with --filesystem changed)");
        return stack;
    }

    private string? WhyNoLayer(PodmanContainer c)
    {
        if (c.LayerId is not null)
        {
            return null;
        }
        if (c.Facts?.Rootfs is { } rootfs)
        {
            return $"the container runs on a root filesystem of its own ({rootfs}, --rootfs), not on a layer of c/storage: not collected";
        }
        return c.Storage is null
            ? $"{root.Image.Show(root.Paths.ContainersJson)} has no record of the container, so its layer is not known"
            : "c/storage's record names no layer";
    }

    private void PlanVolumes(PodmanContainer c, bool volumes, CaptureLimits limits, FilesystemSourceRecord record, List<(SafeTreeWalker, HostTreeCollector)> sources)
    {
        var named = c.Facts?.NamedVolumes ?? [];
        var destinations = named.Select(v => v.Destination).ToHashSet(StringComparer.Ordinal);
        foreach (var (destination, type, source) in c.Facts?.SpecMounts ?? [])
        {
            if (type == "bind" && !destinations.Contains(destination) && source is not null && !IsEngineFile(source))
            {
                record.NotCollected.Add(new("bind", null, destination, source, null, null, "bind mount: content not collected (a path of the imaged machine)"));
            }
        }
        foreach (var v in named)
        {
            if (v.Name is "." or ".." || v.Name.Contains('/', StringComparison.Ordinal) || v.Name.Contains('\0', StringComparison.Ordinal))
            {
                record.NotCollected.Add(new("volume", v.Name, v.Destination, null, null, null, "the volume's name is not a name (a '/', '.' or '..'): not looked for"));
                continue;
            }
            string? mountPoint = MountPoint(v.Name, out string from);
            if (!volumes)
            {
                record.NotCollected.Add(new("volume", v.Name, v.Destination, mountPoint, null, null, "volume: content collected only with --volumes"));
                continue;
            }
            if (mountPoint is null)
            {
                record.NotCollected.Add(new("volume", v.Name, v.Destination, null, null, null, from));
                continue;
            }
            if (OpenDirectory(mountPoint, out string? why) is not { } walker)
            {
                record.NotCollected.Add(new("volume", v.Name, v.Destination, mountPoint, null, null, why!));
                continue;
            }
            record.Volumes.Add(new("volume", v.Name, v.Destination, mountPoint, "volume directory", root.Image.Show(mountPoint), $"the volume's folder in the disk image ({from}): read directly"));
            sources.Add((walker, new HostTreeCollector
            {
                Section = EvidenceSection.Volumes,
                RootRawPath = Encoding.UTF8.GetBytes("/" + v.Name),
                MountedAt = string.IsNullOrEmpty(v.Destination) ? null : Encoding.UTF8.GetBytes(v.Destination.TrimEnd('/')),
                IncludeRoot = true,
                Description = $"volume {v.Name} at {root.Image.Show(mountPoint)}",
                Limits = limits,
            }));
        }
    }

    /// <summary>The files libpod itself binds in (hosts, resolv.conf, .containerenv, secrets under its run and static dirs): not the user's bind mounts.</summary>
    private bool IsEngineFile(string source) =>
        root.Libpod?.RuntimeConfig is { } config
        && new[] { config.GetValueOrDefault(LibpodState.RunRoot), config.GetValueOrDefault(LibpodState.GraphRoot), config.GetValueOrDefault(LibpodState.TmpDir) }
            .Any(dir => dir is { Length: > 1 } && source.StartsWith(dir.TrimEnd('/') + "/", StringComparison.Ordinal));

    /// <summary>A named volume's folder: its VolumeConfig mountPoint, else &lt;volume path&gt;/&lt;name&gt;/_data.</summary>
    private string? MountPoint(string name, out string from)
    {
        var record = root.Libpod?.Volumes.FirstOrDefault(v => v.Name == name);
        if (record?.Config is { } config)
        {
            using var doc = ImageFiles.Parse(config, $"VolumeConfig of {name}", out _);
            string? driver = doc is null ? null : Json.String(doc.RootElement, "volumeDriver");
            if (driver is { Length: > 0 } and not "local")
            {
                from = $"volume driver {driver}: its content is the plugin's, not a folder of the data root; not collected";
                return null;
            }
            if (doc is not null && Json.String(doc.RootElement, "mountPoint") is { Length: > 0 } recorded)
            {
                from = $"mountPoint {recorded} of its VolumeConfig";
                return root.Paths.Map(recorded) ?? Fail($"its VolumeConfig's mountPoint '{PodmanIds.Show(recorded)}' is not an absolute path without '..'", out from);
            }
        }
        string volumePath = root.Paths.Map(root.Libpod?.RuntimeConfig.GetValueOrDefault(LibpodState.VolumePath)) ?? root.Paths.Under("volumes");
        from = record is null ? "no VolumeConfig in the database: the default folder" : "the default folder";
        return volumePath + "/" + name + "/_data";
    }

    private static string? Fail(string why, out string from)
    {
        from = why;
        return null;
    }

    /// <summary>Opens a folder of the image for a walk; a link or anything but a directory is not followed.</summary>
    private SafeTreeWalker? OpenDirectory(string path, out string? why) => PodmanLayerChain.OpenDirectory(root, path, out why);
}
