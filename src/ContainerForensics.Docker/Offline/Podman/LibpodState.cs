namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// What libpod's database (bolt_state.db, or db.sql from Podman 4.8) holds, read without
/// libpod: its records byte-exact (configs and states are JSON documents libpod wrote) and what
/// could not be read. One reader per format fills it (<see cref="BoltLibpodReader"/>,
/// <see cref="SqliteLibpodReader"/>).
/// </summary>
internal sealed class LibpodState
{
    /// <summary>"boltdb" or "sqlite", as containers.conf's database_backend names them.</summary>
    public required string Backend { get; init; }

    /// <summary>The database file, an image path.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// The paths and driver libpod recorded when the database was made (bolt: the runtime-config
    /// bucket; SQLite: the DBConfig row): static-dir, tmp-dir, run-root, graph-root,
    /// graph-driver-name, volume-path, os. Paths of the imaged machine.
    /// </summary>
    public Dictionary<string, string> RuntimeConfig { get; } = new(StringComparer.Ordinal);

    /// <summary>Facts of the file itself (bolt: page size, txid, meta used; SQLite: schema version).</summary>
    public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

    public List<LibpodContainerRecord> Containers { get; } = [];

    public List<LibpodPodRecord> Pods { get; } = [];

    public List<LibpodVolumeRecord> Volumes { get; } = [];

    /// <summary>What could not be read, one line each (bolt pages, SQL errors, bad ids, oversized values).</summary>
    public List<string> Problems { get; } = [];

    public const string GraphRoot = "graph-root";
    public const string StaticDir = "static-dir";
    public const string TmpDir = "tmp-dir";
    public const string RunRoot = "run-root";
    public const string VolumePath = "volume-path";
    public const string GraphDriver = "graph-driver-name";
}

/// <summary>
/// One container's records in libpod's database. <see cref="Config"/> is libpod's ContainerConfig
/// (its OCI spec, name, pod, image, log path, named volumes), <see cref="State"/> its
/// ContainerState (state number, times, exit code, pid), both as libpod wrote them.
/// </summary>
internal sealed class LibpodContainerRecord
{
    public required string Id { get; init; }

    /// <summary>The name the registry keeps (bolt all-ctrs, SQLite ContainerConfig.Name).</summary>
    public string? Name { get; set; }

    public byte[]? Config { get; set; }

    public byte[]? State { get; set; }

    public string? PodId { get; set; }

    /// <summary>Where the values came from: "bolt_state.db ctr/&lt;id&gt;", "db.sql ContainerConfig ...".</summary>
    public required string Source { get; init; }

    /// <summary>The record's other keys, as text (bolt: netns, namespace, pod-id, exit code; SQLite: State, ExitCode columns).</summary>
    public Dictionary<string, string> Values { get; } = new(StringComparer.Ordinal);

    /// <summary>Per network: the options libpod kept (JSON), by network name.</summary>
    public Dictionary<string, byte[]> Networks { get; } = new(StringComparer.Ordinal);

    public List<string> Dependencies { get; } = [];

    public List<string> ExecSessions { get; } = [];

    public List<string> VolumeNames { get; } = [];
}

/// <summary>A pod's records: PodConfig and PodState as libpod wrote them, and its members.</summary>
internal sealed class LibpodPodRecord
{
    public required string Id { get; init; }

    public string? Name { get; set; }

    public byte[]? Config { get; set; }

    public byte[]? State { get; set; }

    public List<string> Containers { get; } = [];
}

/// <summary>A named volume's records: VolumeConfig (driver, mount point) and VolumeState.</summary>
internal sealed class LibpodVolumeRecord
{
    public required string Name { get; init; }

    public byte[]? Config { get; set; }

    public byte[]? State { get; set; }

    /// <summary>The containers the database says use it.</summary>
    public List<string> Containers { get; } = [];
}
