using System.Globalization;
using System.Text;
using ContainerForensics.Bolt;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// Every container of one containerd data root in a disk image: the records of meta.db, each
/// with what on disk belongs to it (its snapshot through meta.db's snapshot record and the
/// snapshotter's metadata.db, its CRI log folder, the CRI plugin's checkpoint, the task's work
/// folder, a sandbox's kubelet folder); then the remnants, what on disk no record owns:
/// <list type="bullet">
/// <item>active or view snapshots of the overlayfs and native snapshotters that no container uses,
/// and numbered snapshot directories the snapshotter has no record of;</item>
/// <item>CRI log folders <c>/var/log/pods/&lt;ns&gt;_&lt;pod&gt;_&lt;uid&gt;/&lt;container&gt;</c> and kubelet pod folders
/// <c>/var/lib/kubelet/pods/&lt;uid&gt;</c> of no container or sandbox;</item>
/// <item>CRI checkpoint folders and task work folders of no container.</item>
/// </list>
/// Remnants of one (namespace, key) are one pseudo-container: a removed CRI container's snapshot
/// key, checkpoint and work folder all carry its id. When meta.db cannot be read at all, or a
/// record cannot, everything of it is a remnant.
/// </summary>
internal sealed class OfflineInventory
{
    /// <summary>The kubelet's folders (its defaults: --root-dir /var/lib/kubelet, pod logs under /var/log/pods).</summary>
    public const string PodLogs = "/var/log/pods";

    public const string KubeletPods = "/var/lib/kubelet/pods";

    /// <summary>The containerd namespace of the CRI plugin (its default, <c>k8s.io</c>): where remnants of pods belong.</summary>
    public const string CriNamespace = "k8s.io";

    /// <summary>Added to a remnant's key that is also a record's id.</summary>
    public const string CollidingSuffix = "~remnant";

    /// <summary>Names taken from one directory listing at most (a hostile image can hold millions).</summary>
    private const int MaxListed = 50_000;

    private readonly DiskImage _image;
    private readonly ContainerdDataRoot _root;
    private readonly string? _onlyNamespace;
    private readonly Dictionary<string, OfflineContainer> _remnants = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ownedSnapshots = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ownedLogFolders = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ownedPods = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ownedCri = new(StringComparer.Ordinal);
    private readonly HashSet<string> _ownedTasks = new(StringComparer.Ordinal);

    /// <summary>Folders of pod log folders: the kubelet's /var/log/pods, and the folder above every pod log folder the records name.</summary>
    private readonly SortedSet<string> _logRoots = new(StringComparer.Ordinal) { PodLogs };

    private OfflineInventory(DiskImage image, ContainerdDataRoot root, string? onlyNamespace)
    {
        _image = image;
        _root = root;
        _onlyNamespace = onlyNamespace;
    }

    public List<OfflineContainer> Containers { get; } = [];

    /// <summary>What could not be listed (a folder unreadable), for the engine's error records.</summary>
    public List<string> Problems { get; } = [];

    public static OfflineInventory Build(DiskImage image, ContainerdDataRoot root, MetaDb? db, IReadOnlyDictionary<string, SnapshotterDb> snapshotters, string? onlyNamespace)
    {
        var inventory = new OfflineInventory(image, root, onlyNamespace);
        if (db is not null)
        {
            foreach (var (ns, bucket) in db.Namespaces())
            {
                if (onlyNamespace is null || ns == onlyNamespace)
                {
                    foreach (var record in MetaDb.Containers(ns, bucket))
                    {
                        inventory.Containers.Add(inventory.FromRecord(record, bucket, snapshotters));
                    }
                }
            }
        }
        inventory.FindRemnants(db, snapshotters);
        inventory.Containers.AddRange(inventory._remnants.Values.OrderBy(r => r.Info.RuntimeNamespace, StringComparer.Ordinal).ThenBy(r => r.Info.Id, StringComparer.Ordinal));
        return inventory;
    }

    private OfflineContainer FromRecord(ContainerRecord record, BoltBucket nsBucket, IReadOnlyDictionary<string, SnapshotterDb> snapshotters)
    {
        string ns = record.Namespace;
        var oc = new OfflineContainer
        {
            Record = record,
            Info = new ContainerInfo { Runtime = ContainerdRuntimeProvider.RuntimeName, Id = record.Id },
        };
        FindSnapshot(oc, record, nsBucket, snapshotters);
        var pod = ContainerdContainerMapper.PodMembershipOf(record.Labels);
        var cri = CriMetadata.Parse(record.CriMetadataJson);
        if (pod is { IsSandbox: false })
        {
            oc.LogFolder = LogFolderOf(cri?.LogPath, pod);
            if (oc.LogFolder is not null)
            {
                _ownedLogFolders.Add(oc.LogFolder);
                AddLogRoot(Parent(oc.LogFolder));
            }
        }
        if (pod is { IsSandbox: true } && cri?.LogDirectory is { } podLogs && podLogs.StartsWith('/'))
        {
            AddLogRoot(podLogs.TrimEnd('/'));
        }
        else if (pod is { IsSandbox: true } && IsPodUid(pod.Uid))
        {
            oc.KubeletPodFolder = $"{KubeletPods}/{pod.Uid}";
            _ownedPods.Add(pod.Uid);
        }
        bool ids = Identifiers.IsValid(record.Id) && Identifiers.IsValid(ns);
        if (ids)
        {
            string checkpoint = _root.CriCheckpoint(pod?.IsSandbox == true, record.Id);
            if (IsDirectory(checkpoint))
            {
                oc.CriCheckpoint = checkpoint;
            }
            _ownedCri.Add(record.Id);
            string work = _root.TaskWork(ns, record.Id);
            if (IsDirectory(work))
            {
                oc.TaskWork = work;
            }
            _ownedTasks.Add(ns + "/" + record.Id);
        }
        var (state, why) = StateOf(oc, pod, ids);
        oc.StateWhy = why;
        oc.Info = new ContainerInfo
        {
            Runtime = ContainerdRuntimeProvider.RuntimeName,
            Id = record.Id,
            Name = ContainerdContainerMapper.NameOf(record.Id, record.Labels),
            Image = string.IsNullOrEmpty(record.Image) ? null : record.Image,
            State = state,
            RuntimeNamespace = ns,
            PodMembership = pod,
            Created = record.CreatedAt?.ToDateTimeOffset(),
            Labels = record.Labels,
            ManagedBy = ContainerdContainerMapper.DockerManaged(ns, record.Labels) ? new ContainerRef(ContainerdContainerMapper.DockerRuntimeName, record.Id) : null,
        };
        return oc;
    }

    /// <summary>meta.db's snapshot record names the snapshotter's key ("name"); without it, the key containerd's metadata layer would have made.</summary>
    private void FindSnapshot(OfflineContainer oc, ContainerRecord record, BoltBucket nsBucket, IReadOnlyDictionary<string, SnapshotterDb> snapshotters)
    {
        if (string.IsNullOrEmpty(record.Snapshotter) || string.IsNullOrEmpty(record.SnapshotKey))
        {
            oc.SnapshotProblem = "the container record names no snapshot: its root filesystem was not made by containerd (Docker's containers in namespace moby: dockerd mounts their rootfs itself)";
            return;
        }
        if (!snapshotters.TryGetValue(record.Snapshotter, out var sdb))
        {
            oc.SnapshotProblem = ContainerdDataRoot.ReadableSnapshotters.Contains(record.Snapshotter)
                ? $"the {record.Snapshotter} snapshotter's metadata.db is not readable in the image (see the engine's records)"
                : $"snapshotter '{record.Snapshotter}' is not read (cfir reads {string.Join(" and ", ContainerdDataRoot.ReadableSnapshotters)} from a disk image)";
            return;
        }
        byte[]? name = nsBucket.Bucket("snapshots"u8)?.Bucket(Encoding.UTF8.GetBytes(record.Snapshotter))?.Bucket(Encoding.UTF8.GetBytes(record.SnapshotKey))?.Get("name"u8);
        var entry = name is not null ? sdb.Find(MetaDb.Text(name)) : sdb.FindByClientKey(record.Namespace, record.SnapshotKey);
        if (entry is null)
        {
            oc.SnapshotProblem = name is not null
                ? $"meta.db names snapshot '{MetaDb.Text(name)}', which is not in {sdb.ImagePath}"
                : $"meta.db has no snapshot record for key '{record.SnapshotKey}' and {sdb.ImagePath} has no single snapshot '{record.Namespace}/<n>/{record.SnapshotKey}'";
            return;
        }
        oc.Snapshot = (record.Snapshotter, entry);
        _ownedSnapshots.Add(record.Snapshotter + "\0" + entry.Key);
    }

    private (string State, string Why) StateOf(OfflineContainer oc, PodMembership? pod, bool ids)
    {
        if (oc.CriCheckpoint is { } checkpoint && pod is { IsSandbox: false })
        {
            byte[]? status = _image.ReadAll(checkpoint + "/status", 1 << 20, out string? problem);
            if (status is not null && CriStatusFile.Parse(status) is { } s)
            {
                return (s.State, $"from the CRI plugin's status checkpoint {checkpoint}/status (started {s.StartedAt != 0}, finished {s.FinishedAt != 0}): the state when the plugin last wrote it");
            }
            problem ??= "not the CRI plugin's status document";
            return (oc.TaskWork is null ? "created" : "unknown", $"the CRI status checkpoint could not be read ({problem})");
        }
        if (!ids)
        {
            return ("unknown", "the record's namespace or id is not a containerd identifier, so no folder of it is looked up");
        }
        return oc.TaskWork is null
            ? ("created", "no task work folder in the image: the container had no task when the image was taken (never started, or its task was deleted), as containerd lists a container without a task")
            : ("unknown", $"the task work folder {oc.TaskWork} exists, so a task existed when the image was taken; whether it was running, paused or had exited is kept only in memory and in the state folder (/run), not on disk");
    }

    private void FindRemnants(MetaDb? db, IReadOnlyDictionary<string, SnapshotterDb> snapshotters)
    {
        string noRecord = db is null ? "meta.db could not be read, so no container record owns it" : "no container record in meta.db owns it";
        foreach (var (name, sdb) in snapshotters.OrderBy(s => s.Key, StringComparer.Ordinal))
        {
            var ids = new HashSet<ulong>();
            foreach (var entry in sdb.Snapshots.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                if (entry.Id is { } id)
                {
                    ids.Add(id);
                }
                if (entry.Kind is not (SnapshotKinds.Active or SnapshotKinds.View) || _ownedSnapshots.Contains(name + "\0" + entry.Key))
                {
                    continue; // committed: an image layer (or a commit); owned: a container's
                }
                string ns = entry.Namespace ?? "-";
                var remnant = Remnant(ns, entry.ClientKey ?? entry.Key, null);
                if (remnant is null)
                {
                    continue;
                }
                bool stillInMetaDb = entry.Namespace is not null && entry.ClientKey is not null
                    && db?.Schema?.Bucket(Encoding.UTF8.GetBytes(entry.Namespace))?.Bucket("snapshots"u8)?.Bucket(Encoding.UTF8.GetBytes(name))?.Bucket(Encoding.UTF8.GetBytes(entry.ClientKey)) is not null;
                remnant.Snapshot ??= (name, entry);
                remnant.Orphaned.Add($"{entry.KindName} snapshot '{entry.Key}' of the {name} snapshotter (id {entry.Id?.ToString(CultureInfo.InvariantCulture) ?? "?"}): {noRecord}"
                    + (stillInMetaDb ? "; meta.db still has its snapshot record (kept when the container was removed)" : "; meta.db has no snapshot record of it any more (the container and its snapshot were removed, and containerd's garbage collector had not yet removed it from the snapshotter)"));
            }
            if (sdb.Truncated)
            {
                continue; // ids past the cap are unknown: a directory is not a remnant for lack of them
            }
            foreach (string dir in ListNames(_root.SnapshotsDirectory(name)))
            {
                if (ulong.TryParse(dir, NumberStyles.None, CultureInfo.InvariantCulture, out ulong n) && n.ToString(CultureInfo.InvariantCulture) == dir && !ids.Contains(n)
                    && Remnant("-", $"{name}-snapshot-{dir}", null) is { } bare)
                {
                    bare.BareSnapshotDirectory = _root.SnapshotFiles(name, n);
                    bare.Orphaned.Add($"directory {_root.SnapshotsDirectory(name)}/{dir} has no record in the {name} snapshotter's metadata.db (its snapshot was removed and the directory not yet cleaned up, or the database lost it)");
                }
            }
        }
        foreach (bool sandbox in (bool[])[false, true])
        {
            string folder = $"{_root.CriFolder}/{(sandbox ? "sandboxes" : "containers")}";
            foreach (string id in ListNames(folder))
            {
                if (!_ownedCri.Contains(id) && Identifiers.IsValid(id) && Remnant(CriNamespace, id, null) is { } r)
                {
                    r.CriCheckpoint = $"{folder}/{id}";
                    r.Orphaned.Add($"the CRI plugin's checkpoint folder {folder}/{id}: {noRecord}");
                }
            }
        }
        foreach (string ns in ListNames(_root.TaskFolder))
        {
            if (!Identifiers.IsValid(ns))
            {
                continue;
            }
            foreach (string id in ListNames($"{_root.TaskFolder}/{ns}"))
            {
                if (!_ownedTasks.Contains(ns + "/" + id) && Identifiers.IsValid(id) && Remnant(ns, id, null) is { } r)
                {
                    r.TaskWork = _root.TaskWork(ns, id);
                    r.Orphaned.Add($"the task work folder {r.TaskWork} (a task existed): {noRecord}");
                }
            }
        }
        var podNames = new Dictionary<string, PodMembership>(StringComparer.Ordinal);
        foreach (string logRoot in _logRoots)
        {
            FindLogRemnants(logRoot, podNames, noRecord);
        }
        foreach (string uid in ListNames(KubeletPods))
        {
            if (_ownedPods.Contains(uid) || !IsPodUid(uid))
            {
                continue;
            }
            var pod = podNames.TryGetValue(uid, out var known) ? known with { IsSandbox = true } : new PodMembership { Namespace = "-", Name = uid, Uid = uid, IsSandbox = true };
            if (Remnant(CriNamespace, $"pod-{uid}", pod) is { } r)
            {
                r.KubeletPodFolder = $"{KubeletPods}/{uid}";
                r.Orphaned.Add($"kubelet pod folder {r.KubeletPodFolder}: {noRecord} (no pod sandbox with uid {uid})");
            }
        }
    }

    /// <summary>Every container folder of every pod folder under a log root that no record's log path is in.</summary>
    private void FindLogRemnants(string logRoot, Dictionary<string, PodMembership> podNames, string noRecord)
    {
        foreach (string podFolder in ListNames(logRoot))
        {
            var pod = ParsePodFolder(podFolder);
            if (pod is not null)
            {
                podNames.TryAdd(pod.Uid, pod);
            }
            foreach (string container in ListNames($"{logRoot}/{podFolder}"))
            {
                string folder = $"{logRoot}/{podFolder}/{container}";
                if (_ownedLogFolders.Contains(folder) || !IsDirectory(folder))
                {
                    continue;
                }
                string id = $"logs-{pod?.Uid ?? podFolder}-{container}";
                if (Remnant(CriNamespace, id, pod is null ? null : pod with { ContainerName = container }) is { } r)
                {
                    r.LogFolder = folder;
                    r.Orphaned.Add($"CRI log folder {folder}: {noRecord} (no CRI container's log path is in it)");
                }
            }
        }
    }

    /// <summary>
    /// The remnant pseudo-container of (namespace, key), made on first use; null outside the
    /// namespace asked for. A key that is also the id of a record (one meta.db could not read whole,
    /// so its snapshot was not tied to it) gets <see cref="CollidingSuffix"/>: one id, one folder.
    /// </summary>
    private OfflineContainer? Remnant(string ns, string id, PodMembership? pod)
    {
        if (_onlyNamespace is not null && ns != _onlyNamespace)
        {
            return null;
        }
        bool collides = Containers.Any(c => c.Info.Id == id && c.Info.RuntimeNamespace == ns);
        if (collides)
        {
            id += CollidingSuffix;
        }
        string key = ns + "\0" + id;
        if (!_remnants.TryGetValue(key, out var remnant))
        {
            remnant = new OfflineContainer
            {
                Info = new ContainerInfo
                {
                    Runtime = ContainerdRuntimeProvider.RuntimeName,
                    Id = id,
                    Name = OfflineContainer.RemnantName,
                    State = OfflineContainer.RemnantState,
                    RuntimeNamespace = ns,
                    PodMembership = pod,
                },
                StateWhy = "a remnant: what is left on disk of a container whose record is gone",
            };
            if (collides)
            {
                remnant.Orphaned.Add($"meta.db has a record of a container '{id[..^CollidingSuffix.Length]}' in namespace {ns}, but it could not be read whole (see the errors), so nothing ties this to it");
            }
            _remnants[key] = remnant;
        }
        return remnant;
    }

    /// <summary>The folder of a CRI container's log file: the record's log path, else the kubelet's convention for its pod.</summary>
    private static string? LogFolderOf(string? logPath, PodMembership pod)
    {
        if (logPath is not null && logPath.StartsWith('/') && !logPath.Contains('\0', StringComparison.Ordinal) && logPath.LastIndexOf('/') > 0)
        {
            return logPath[..logPath.LastIndexOf('/')];
        }
        return IsPodUid(pod.Uid) && pod.ContainerName is { Length: > 0 } c && !c.Contains('/', StringComparison.Ordinal) && c is not ("." or "..")
            ? $"{PodLogs}/{pod.Namespace}_{pod.Name}_{pod.Uid}/{c}".Replace("\0", "", StringComparison.Ordinal)
            : null;
    }

    /// <summary>A pod's log folder is &lt;root&gt;/&lt;pod&gt;: the root is where removed pods' folders are looked for too (the kubelet's own, /var/log/pods, unless the records say otherwise).</summary>
    private void AddLogRoot(string podFolder)
    {
        string root = Parent(podFolder);
        if (root.Length > 1 && !root.Contains('\0', StringComparison.Ordinal) && root.Split('/').All(s => s is not ("." or "..")))
        {
            _logRoots.Add(root);
        }
    }

    private static string Parent(string path) => path.LastIndexOf('/') is var slash and > 0 ? path[..slash] : "/";

    /// <summary>"&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;" (the kubelet's BuildPodLogsDirectory; namespace and name are DNS names, without '_').</summary>
    internal static PodMembership? ParsePodFolder(string folder)
    {
        string[] parts = folder.Split('_');
        return parts.Length == 3 && parts.All(p => p.Length > 0)
            ? new PodMembership { Namespace = parts[0], Name = parts[1], Uid = parts[2] }
            : null;
    }

    private static bool IsPodUid(string uid) => uid.Length is > 0 and <= 64 && uid.All(c => char.IsAsciiLetterOrDigit(c) || c == '-');

    private bool IsDirectory(string imagePath) => _image.Lstat(imagePath, out _) is { Kind: EntryKind.Directory };

    /// <summary>The names in a folder of the image, sorted; none when it is absent (not a problem), and a problem when it cannot be listed.</summary>
    private List<string> ListNames(string imagePath)
    {
        var stat = _image.Lstat(imagePath, out int errno);
        if (stat is null)
        {
            if (errno != UnixError.ENOENT && errno != UnixError.ENOTDIR)
            {
                Problems.Add($"{_image.Show(imagePath)}: {UnixError.Describe(errno)}");
            }
            return [];
        }
        if (stat.Kind != EntryKind.Directory)
        {
            Problems.Add($"{_image.Show(imagePath)} is a {stat.Kind.ToString().ToLowerInvariant()}, not a directory: not looked into");
            return [];
        }
        var names = _image.List(imagePath, out string? problem);
        if (names is null)
        {
            Problems.Add(problem ?? _image.Show(imagePath));
            return [];
        }
        if (names.Count > MaxListed)
        {
            Problems.Add($"{_image.Show(imagePath)} holds {names.Count} names; the first {MaxListed} in byte order are looked at");
        }
        return [.. names.OrderBy(n => n, Comparer<byte[]>.Create((a, b) => a.AsSpan().SequenceCompareTo(b))).Take(MaxListed).Select(n => Encoding.UTF8.GetString(n))];
    }
}
