namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// The container's processes as found in the host's /proc, and how: by PID namespace (the
/// init's ns/pid inode, plus namespaces nested below it) or, when that cannot tell, by cgroup.
/// </summary>
internal sealed record ProcessSet
{
    public required int InitPid { get; init; }

    /// <summary>The init first, then ascending pids.</summary>
    public required IReadOnlyList<ProcessMember> Members { get; init; }

    /// <summary>"pid namespace", "cgroup" or "init only".</summary>
    public required string Method { get; init; }

    /// <summary>The init's ns/pid link, e.g. "pid:[4026532456]".</summary>
    public string? PidNamespace { get; init; }

    /// <summary>The cgroup path the fallback matched on.</summary>
    public string? Cgroup { get; init; }

    /// <summary>Why the method is not the PID namespace, or what else a reader should know.</summary>
    public List<string> Notes { get; init; } = [];

    /// <summary>Host processes whose membership could not be decided, with the errno.</summary>
    public List<(int Pid, int Errno)> Undecided { get; init; } = [];
}
