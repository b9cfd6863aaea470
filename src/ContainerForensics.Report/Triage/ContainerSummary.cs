namespace ContainerForensics.Report.Triage;

/// <summary>
/// What the report keeps of one container while the archive streams by: its state and
/// privileges from inspect.json, its processes and sockets, and only the writable-layer files
/// that a rule or the report looks at. Bounded: <see cref="MaxFiles"/> files at most.
/// </summary>
public sealed class ContainerSummary(string runtime, string folder)
{
    public const int MaxFiles = 5000;

    public string Runtime { get; } = runtime;

    /// <summary>The container's folder in the archive (<c>containers/docker/-/web_0123456789ab</c>).</summary>
    public string Folder { get; } = folder;

    public string? Name { get; set; }
    public string? Id { get; set; }
    public string? Image { get; set; }
    public string? State { get; set; }
    public string? StartedAt { get; set; }
    public string? FinishedAt { get; set; }
    public long? ExitCode { get; set; }
    public string? User { get; set; }
    public bool Privileged { get; set; }
    public List<string> CapAdd { get; } = [];
    public bool HostPid { get; set; }
    public bool HostNetwork { get; set; }
    public bool HostIpc { get; set; }

    /// <summary>
    /// The namespace types (<c>pid</c>, <c>net</c>, <c>ipc</c>) in which a process of the container
    /// had the host's namespace, by processes.json (each process's <c>namespaces</c> against its
    /// <c>hostNamespaces</c>): what /proc showed, whatever the engine's documents say.
    /// </summary>
    public SortedSet<string> HostNamespacesSeen { get; } = new(StringComparer.Ordinal);

    public bool SharesHostPid => HostPid || HostNamespacesSeen.Contains("pid");
    public bool SharesHostNetwork => HostNetwork || HostNamespacesSeen.Contains("net");
    public bool SharesHostIpc => HostIpc || HostNamespacesSeen.Contains("ipc");

    /// <summary>A namespace shared with the host that only /proc shows: processes.json is then evidence of the claim too.</summary>
    private bool SharedOnlyInProc =>
        (SharesHostPid && !HostPid) || (SharesHostNetwork && !HostNetwork) || (SharesHostIpc && !HostIpc);
    public bool SeccompOff { get; set; }
    public bool AppArmorOff { get; set; }

    /// <summary>The OCI spec has no seccomp profile (containerd's default for ctr, and the kubelet's without SeccompDefault): not an explicit "unconfined".</summary>
    public bool SeccompAbsent { get; set; }
    public List<string> HostMounts { get; } = [];

    /// <summary>The user the container runs as is not in its documents (a pod whose spec does not say and whose image's user cfir did not read).</summary>
    public bool UserUnknown { get; set; }

    /// <summary>
    /// The archive path of the document the state and privileges came from: Docker's and
    /// Podman's inspect.json, containerd's spec.json, a Kubernetes pod's pod.json; on a dead box,
    /// Docker's config.v2.json and Podman's libpod-config.json.
    /// </summary>
    public string? InspectPath { get; set; }

    /// <summary>A dead-box Docker container's hostconfig.json (its privileges; the record, config.v2.json, is <see cref="InspectPath"/>).</summary>
    public string? HostConfigPath { get; set; }

    /// <summary>
    /// The documents a container rule's claim rests on; empty when the archive holds none of them
    /// (a container whose metadata failed, or that has none: a dead-box remnant): then no container rule
    /// is matched, since its privileges are unknown, not absent.
    /// </summary>
    public IEnumerable<string> PrivilegeEvidence =>
        new[] { HostConfigPath, InspectPath ?? ProcessesPath, InspectPath is not null && SharedOnlyInProc ? ProcessesPath : null }
            .Where(p => p is not null).Select(p => p!);

    /// <summary>What the Kubernetes API server said of this pod (a <c>containers/kubernetes/.../api/</c> folder), else null.</summary>
    public KubernetesPod? Pod { get; set; }
    public string? ProcessesPath { get; set; }

    public List<ProcessInfo> Processes { get; } = [];
    public List<SocketInfo> Sockets { get; } = [];
    public List<FileChange> Files { get; } = [];
    public long FilesNotKept { get; set; }

    /// <summary>Accounts read from the writable layer's /etc/passwd and /etc/shadow.</summary>
    public List<AccountEntry> Accounts { get; } = [];

    /// <summary>Writable-layer changes from the engine (changes.json): in-container path to added, changed or deleted.</summary>
    public Dictionary<string, string> Changes { get; } = new(StringComparer.Ordinal);

    /// <summary>The container's log members (API streams, log files; not rotated or compressed ones), in archive order: what log excerpts are read from.</summary>
    public List<string> LogMembers { get; } = [];

    /// <summary>The last lines of the container's logs (ring buffer), with the member they came from.</summary>
    public Queue<(string Path, string Line)> LogTail { get; } = new();

    /// <summary>A name to show: the container's name, else its folder's last segment.</summary>
    public string DisplayName => Name ?? Folder[(Folder.LastIndexOf('/') + 1)..];

    public bool RunsAsRoot => Processes.Count > 0 ? Processes.Exists(p => p.Uid == 0) : !UserUnknown && UserIsRoot(User);

    private static bool UserIsRoot(string? user) =>
        user is null or "" or "0" or "root" || user.StartsWith("0:", StringComparison.Ordinal) || user.StartsWith("root:", StringComparison.Ordinal);
}

public sealed record ProcessInfo(long Pid, long? Ppid, string? Name, IReadOnlyList<string> Argv, string? Exe, bool ExeDeleted,
    string? ExeSha256, string? ExeStoredAs, long? Uid, IReadOnlyList<string> EffectiveCapabilities, IReadOnlyList<long> SocketInodes)
{
    /// <summary>processes.json's <c>startTime</c> (from /proc/PID/stat and the boot time).</summary>
    public string? StartTime { get; init; }
}

public sealed record SocketInfo(string Protocol, string? LocalAddress, long? LocalPort, string? RemoteAddress, long? RemotePort,
    string? State, long Inode, IReadOnlyList<long> OwnerPids, string DocumentPath);

/// <summary>A file of the writable layer: its in-container path, what happened to it, and its manifest facts.</summary>
public sealed class FileChange(string containerPath, string archivePath)
{
    public string ContainerPath { get; } = containerPath;
    public string ArchivePath { get; } = archivePath;
    /// <summary>
    /// added, changed, deleted, or written (in the writable layer; the engine did not say which);
    /// present: in a full tree (<c>filesystem/full/</c>), the image's files and the changes alike.
    /// </summary>
    public string Change { get; set; } = "written";
    public string? Kind { get; set; }
    public uint? Mode { get; set; }
    public string? Sha256 { get; set; }
    public long? Size { get; set; }
    public ContainerForensics.Core.Evidence.UnixTime? ModifiedTime { get; set; }
    public bool Executable => Kind == "file" && Mode is { } m && (m & 0b001_001_001) != 0;
    public bool SetId => Kind == "file" && Mode is { } m && (m & 0xC00) != 0;
    /// <summary>Content rules (by id) whose pattern this file's bytes matched, with the first match.</summary>
    public Dictionary<string, string> ContentMatches { get; } = new(StringComparer.Ordinal);
}

public sealed record AccountEntry(string File, string Name, string? Uid, bool EmptyPassword, string ArchivePath)
{
    /// <summary>Read from a full tree (the image's accounts as well as any added), not from the writable layer.</summary>
    public bool FullTree { get; init; }
}
