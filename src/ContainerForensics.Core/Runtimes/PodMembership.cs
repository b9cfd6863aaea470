namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Which Kubernetes pod a container belongs to, as the runtime recorded it (containerd's CRI
/// plugin: the <c>io.kubernetes.pod.*</c> and <c>io.kubernetes.container.name</c> labels). The
/// pod sandbox (the "pause" container holding the pod's namespaces) is a member too, without a
/// container name. The Kubernetes API collector's unit is the whole pod (<see cref="IsWholePod"/>).
/// Values come from labels: untrusted text, escaped by the layout.
/// </summary>
public sealed record PodMembership
{
    /// <summary>The pod's Kubernetes namespace (not containerd's).</summary>
    public required string Namespace { get; init; }

    public required string Name { get; init; }

    /// <summary>The pod's uid; empty when the runtime did not record it.</summary>
    public string Uid { get; init; } = "";

    /// <summary>The container's name in the pod spec; null for the sandbox.</summary>
    public string? ContainerName { get; init; }

    /// <summary>Whether this is the pod's sandbox (pause) container.</summary>
    public bool IsSandbox { get; init; }

    /// <summary>
    /// Whether this is the pod as a whole, as the Kubernetes API server describes it (the
    /// kubernetes runtime collects a pod as one unit), rather than one of its containers on a node.
    /// </summary>
    public bool IsWholePod { get; init; }

    /// <summary>For a whole pod: its containers as its spec names them, init ones as "init:NAME" and ephemeral ones as "ephemeral:NAME".</summary>
    public IReadOnlyList<string> Containers { get; init; } = [];

    /// <summary>"namespace/name", as kubectl names a pod.</summary>
    public string DisplayName => Namespace + "/" + Name;
}
