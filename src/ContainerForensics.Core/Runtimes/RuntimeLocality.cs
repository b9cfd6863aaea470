using System.Globalization;

namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Where a runtime endpoint runs relative to cfir, decided once at discovery
/// (<see cref="LocalityProbe"/>) and recorded in the acquisition record. A runtime reports pids
/// in its own pid namespace and names paths of its own mount namespace: they are this host's
/// /proc entries and paths only when it runs here, in cfir's namespaces. Collectors that read
/// host state declare it (<see cref="Collection.IContainerEvidenceCollector.NeedsLiveHost"/>)
/// and the runner skips them with a record where <see cref="HasLiveProcesses"/> is false; a
/// runtime's own readers of host paths ask <see cref="SharesHostPaths"/>.
/// </summary>
public sealed record RuntimeLocality
{
    private RuntimeLocality(LocalityKind kind, string why)
    {
        Kind = kind;
        Why = why;
    }

    public LocalityKind Kind { get; }

    /// <summary>How it was decided, for the acquisition record and every skip record.</summary>
    public string Why { get; }

    /// <summary>
    /// <see cref="LocalityKind.Nested"/>: the host pid of a process in the runtime's pid namespace
    /// (the daemon itself, from the socket's peer credentials); the pids it reports are that
    /// namespace's. <see cref="LocalityKind.ThisHost"/>: the daemon's pid, when known.
    /// </summary>
    public int? DaemonPid { get; private init; }

    /// <summary>The inode of the runtime's pid namespace (nsfs; <c>pid:[inode]</c>), when known.</summary>
    public ulong? PidNamespace { get; private init; }

    /// <summary>Whether the daemon is in cfir's mount namespace, so that the paths it names are paths here.</summary>
    public bool SameMountNamespace { get; private init; }

    /// <summary><see cref="LocalityKind.DiskImage"/>: the root directory everything is read under.</summary>
    public string? Root { get; private init; }

    /// <summary>Its containers' processes are processes of this kernel, reachable through /proc (Nested: after translation).</summary>
    public bool HasLiveProcesses => Kind is LocalityKind.ThisHost or LocalityKind.Nested;

    /// <summary>The host paths it names (log files, overlay directories, mount sources) are paths of cfir's own view.</summary>
    public bool SharesHostPaths => Kind == LocalityKind.ThisHost && SameMountNamespace;

    /// <summary>
    /// <see cref="LocalityKind.Nested"/>: where the daemon's own paths are read from here, the
    /// root of its mount namespace (<c>/proc/&lt;daemon pid&gt;/root/.</c>). Its paths are the
    /// nested daemon's words, so they are opened beneath this root one segment at a time without
    /// following a symlink (<see cref="FileSystem.SafeTreeWalker.OpenBeneath"/>): a link planted
    /// in the node cannot lead out to the host. Null for every other kind.
    /// </summary>
    public string? PathRoot => Kind == LocalityKind.Nested && DaemonPid is { } pid ? $"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/root/." : null;

    /// <summary>One phrase for records: "on this host", "nested in pid:[4026532301] (daemon host pid 3151)", "remote".</summary>
    public string Describe() => Kind switch
    {
        LocalityKind.ThisHost => "on this host",
        LocalityKind.Nested => $"nested in pid:[{PidNamespace?.ToString(CultureInfo.InvariantCulture)}] (daemon host pid {DaemonPid?.ToString(CultureInfo.InvariantCulture)})",
        LocalityKind.Remote => "not on this host",
        LocalityKind.DiskImage => $"a disk image at {Root}",
        _ => "of unproven locality",
    };

    public static RuntimeLocality ThisHost(string why, int? daemonPid = null, ulong? pidNamespace = null, bool sameMountNamespace = true) =>
        new(LocalityKind.ThisHost, why) { DaemonPid = daemonPid, PidNamespace = pidNamespace, SameMountNamespace = sameMountNamespace };

    public static RuntimeLocality Nested(int daemonPid, ulong pidNamespace, string why) =>
        new(LocalityKind.Nested, why) { DaemonPid = daemonPid, PidNamespace = pidNamespace };

    public static RuntimeLocality Remote(string why) => new(LocalityKind.Remote, why);

    public static RuntimeLocality DiskImage(string root, string why) => new(LocalityKind.DiskImage, why) { Root = root };

    public static RuntimeLocality Unknown(string why) => new(LocalityKind.Unknown, why);
}
