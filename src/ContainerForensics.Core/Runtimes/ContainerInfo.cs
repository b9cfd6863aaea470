namespace ContainerForensics.Core.Runtimes;

/// <summary>A container as its runtime lists it: enough to select it, name it and find its evidence.</summary>
public sealed record ContainerInfo
{
    /// <summary>The runtime's name for where this came from: docker, podman, containerd.</summary>
    public required string Runtime { get; init; }

    public required string Id { get; init; }

    public string? Name { get; init; }

    public string? Image { get; init; }

    /// <summary>running, paused, restarting, exited, dead, created, stopped, unknown.</summary>
    public string State { get; init; } = "unknown";

    /// <summary>containerd's namespace of the container; null for runtimes without namespaces.</summary>
    public string? RuntimeNamespace { get; init; }

    /// <summary>The Podman pod the container belongs to; null outside Podman or outside a pod.</summary>
    public string? PodmanPod { get; init; }

    /// <summary>The Kubernetes pod the container belongs to (its namespace, name, uid, container name or sandbox), when known.</summary>
    public PodMembership? PodMembership { get; init; }

    /// <summary>
    /// The pid of the container's init process as the runtime lists it, when running: in the
    /// runtime's pid namespace, a host pid only when the runtime runs in cfir's (<see cref="RuntimeLocality"/>).
    /// </summary>
    public int? Pid { get; init; }

    public DateTimeOffset? Created { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// Set when this listing is a lower-level view of a container another runtime manages (a
    /// containerd container that dockerd created in namespace "moby"): that runtime's id for it.
    /// </summary>
    public ContainerRef? ManagedBy { get; init; }

    /// <summary>
    /// Set when the runtime that lists this container runs inside another container (a kind
    /// node's containerd): that container, and the chain above it. Stamped by Core on every
    /// container of a nested runtime; the layout puts its evidence under the host container's.
    /// </summary>
    public NestingLink? NestedIn { get; init; }

    /// <summary>Other runtimes' listings of this same container, which were not collected again.</summary>
    public IReadOnlyList<ContainerSighting> AlsoListedBy { get; init; } = [];

    public bool IsRunning => State is "running" or "paused" or "restarting";
}
