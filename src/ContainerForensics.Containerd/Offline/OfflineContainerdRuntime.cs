using ContainerForensics.Containerd.Cri.Logs;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// containerd dead-box: one data root of a disk image read without a daemon (<c>--root</c>).
/// meta.db gives the containers (every namespace, or <see cref="ContainerdOptions.Namespace"/>),
/// the snapshotters' metadata.db their files, the CRI plugin's records and the kubelet's folders
/// their logs and pods; what no record owns is listed as remnants (<see cref="OfflineInventory"/>).
/// The archive has the live collection's layout: the same sections and, where the same thing is
/// collected (the OCI spec, CRI log files, image manifests and configs, the writable layer), the
/// same names; what comes from the disk instead of the API has its own (<c>container-record.json</c>
/// for Containers.Get's <c>container.json</c>). Nothing runs: no pid, no volatile evidence.
/// </summary>
internal sealed class OfflineContainerdRuntime : IContainerRuntime
{
    private readonly object _gate = new();
    private OfflineInventory? _inventory;

    public OfflineContainerdRuntime(DiskImage image, ContainerdDataRoot root, RuntimeSettings settings, string why)
    {
        Image = image;
        DataRoot = root;
        OnlyNamespace = settings.Option(ContainerdOptions.Namespace);
        Db = MetaDb.Open(image, root.MetaDb, out string? problem);
        DbProblem = problem;
        var snapshotters = new SortedDictionary<string, SnapshotterDb>(StringComparer.Ordinal);
        foreach (string name in ContainerdDataRoot.ReadableSnapshotters)
        {
            string path = root.SnapshotterDb(name);
            if (image.Lstat(path, out int errno) is null && errno == UnixError.ENOENT)
            {
                continue; // that snapshotter was never used
            }
            if (SnapshotterDb.Open(image, path, out string? sproblem) is { } sdb)
            {
                snapshotters[name] = sdb;
            }
            else
            {
                SnapshotterProblems.Add($"the {name} snapshotter's database {image.Show(path)} not read: {sproblem}; its snapshot directories are not tied to containers");
            }
        }
        Snapshotters = snapshotters;
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["source"] = "disk image",
            ["dataRoot"] = root.Root,
            ["metaDb"] = Db is { } db ? db.Describe(db.Survey()) : $"not read: {problem}",
        };
        if (OnlyNamespace is not null)
        {
            details["namespace"] = OnlyNamespace;
        }
        Descriptor = new RuntimeDescriptor(ContainerdRuntimeProvider.RuntimeName, image.Show(root.Root), null, null)
        {
            Details = details,
            Locality = RuntimeLocality.DiskImage(image.Root, why),
        };
    }

    public RuntimeDescriptor Descriptor { get; }

    public DiskImage Image { get; }

    public ContainerdDataRoot DataRoot { get; }

    public string? OnlyNamespace { get; }

    /// <summary>meta.db, or null with <see cref="DbProblem"/>: then everything found is a remnant.</summary>
    public MetaDb? Db { get; }

    public string? DbProblem { get; }

    public IReadOnlyDictionary<string, SnapshotterDb> Snapshotters { get; }

    public List<string> SnapshotterProblems { get; } = [];

    /// <summary>The containers and remnants, read once (the image does not change under a dead-box run).</summary>
    public OfflineInventory Inventory
    {
        get
        {
            lock (_gate)
            {
                return _inventory ??= OfflineInventory.Build(Image, DataRoot, Db, Snapshotters, OnlyNamespace);
            }
        }
    }

    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>>([.. Inventory.Containers.Select(c => c.Info)]);

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        new OfflineEngineCollector(this).CollectAsync(sink, options, cancellationToken);

    /// <summary>Nothing of a disk image runs.</summary>
    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken) => Task.FromResult<int?>(null);

    public async Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var found = Find(container);
        switch (phase)
        {
            case CollectionPhase.Metadata:
                await CollectMetadataAsync(found, sink, options, cancellationToken).ConfigureAwait(false);
                break;
            case CollectionPhase.Logs when found.LogFolder is { } folder:
                await CriLogFiles.CaptureImageFolderAsync(sink, Image, folder, CaptureLimits.From(options), cancellationToken).ConfigureAwait(false);
                break;
            case CollectionPhase.Filesystem:
                await new OfflineFilesystemCollector(this).CollectAsync(found, sink, options, cancellationToken).ConfigureAwait(false);
                break;
            default:
                break; // volatile: nothing runs; logs: containerd keeps no stdio of its own
        }
    }

    private OfflineContainer Find(ContainerInfo container) =>
        Inventory.Containers.FirstOrDefault(c => c.Info.Id == container.Id && c.Info.RuntimeNamespace == container.RuntimeNamespace)
        ?? throw new ContainerGoneException(container.Id, $"containerd data root {Descriptor.Endpoint} has no container {container.Id} in namespace {container.RuntimeNamespace}");

    /// <summary>
    /// The record (container-record.json, spec.json) or the remnant's findings (remnant.json), then
    /// what of it is on disk besides: the CRI plugin's checkpoint (<c>cri-checkpoint/</c>), the
    /// task's work folder (<c>task-work/</c>), a pod's kubelet folder (<c>kubelet-pod/</c>; its
    /// volumes' and plugins' content only with <c>--volumes</c>).
    /// </summary>
    private async Task CollectMetadataAsync(OfflineContainer c, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        string metaDb = Image.Show(DataRoot.MetaDb);
        if (c.Record is { } record)
        {
            string where = $"{metaDb} bucket v1/{record.Namespace}/containers/{record.Id}";
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "container-record.json", OfflineRecordJson.Record(c, metaDb),
                $"the container's record in {metaDb}, decoded, with its raw keys and values"), cancellationToken).ConfigureAwait(false);
            await sink.AddAsync(record.Spec is { } spec
                ? EvidenceItem.Json(EvidenceSection.Metadata, "spec.json", spec.Value.Memory, $"{where}: spec value bytes, type {spec.TypeUrl}")
                : OfflineItems.NotCollected(EvidenceSection.Metadata, "spec.json", EntryStatus.Missing,
                    record.Problems.FirstOrDefault(p => p.StartsWith("spec", StringComparison.Ordinal)) ?? "the container record has no spec", where), cancellationToken).ConfigureAwait(false);
            foreach (var problem in record.Problems)
            {
                sink.RecordError($"{where}: {problem}");
            }
        }
        else
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "remnant.json", OfflineRecordJson.Remnant(c, DataRoot),
                "cfir: what is left on disk of a container whose record is gone, and why cfir thinks so"), cancellationToken).ConfigureAwait(false);
        }
        var limits = CaptureLimits.From(options);
        if (c.CriCheckpoint is { } checkpoint)
        {
            await ImageFolderCapture.CaptureAsync(sink, Image, checkpoint, EvidenceSection.Metadata, "cri-checkpoint", limits,
                "the CRI plugin's checkpoint of the container (status) or sandbox (hostname, hosts, resolv.conf)", cancellationToken).ConfigureAwait(false);
        }
        if (c.TaskWork is { } work)
        {
            await ImageFolderCapture.CaptureAsync(sink, Image, work, EvidenceSection.Metadata, "task-work", limits,
                "the runtime v2 shim's work folder of the task", cancellationToken).ConfigureAwait(false);
        }
        if (c.KubeletPodFolder is { } pod)
        {
            await ImageFolderCapture.CaptureAsync(sink, Image, pod, EvidenceSection.Metadata, "kubelet-pod", limits,
                "the kubelet's folder of the pod", cancellationToken, leaveOut: options.Volumes ? null : VolumeContent).ConfigureAwait(false);
        }
    }

    /// <summary>Without --volumes, what the pod's volumes hold (secrets, configmaps, emptyDirs) is left out, as for every runtime.</summary>
    private static string? VolumeContent(byte[] relativePath)
    {
        int slash = Array.IndexOf(relativePath, (byte)'/');
        if (slash < 0)
        {
            return null;
        }
        var top = relativePath.AsSpan(0, slash);
        return top.SequenceEqual("volumes"u8) || top.SequenceEqual("volume-subpaths"u8) || top.SequenceEqual("plugins"u8)
            ? "a pod volume's content: collected with --volumes"
            : null;
    }

    public ValueTask DisposeAsync()
    {
        Db?.Dispose();
        foreach (var sdb in Snapshotters.Values)
        {
            sdb.Dispose();
        }
        return ValueTask.CompletedTask;
    }
}
