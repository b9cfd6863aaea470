namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// A pod made through the CRI API of a <see cref="KindNode"/>'s containerd: its sandbox and one
/// container (<see cref="Container"/>, named <see cref="ContainerName"/>), with the kubelet's labels
/// (io.kubernetes.pod.*) on both, and its CRI log under <see cref="LogDirectory"/> inside the node.
/// </summary>
public sealed record NestedPod
{
    public required string SandboxId { get; init; }

    public required string Namespace { get; init; }

    public required string Name { get; init; }

    public required string Uid { get; init; }

    /// <summary>The pod's log directory inside the node (/var/log/pods/&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;).</summary>
    public required string LogDirectory { get; init; }

    /// <summary>The name of its one container (io.kubernetes.container.name).</summary>
    public required string ContainerName { get; init; }

    /// <summary>Its one container, which wrote a line to stdout before sleeping (namespace k8s.io).</summary>
    public required NestedContainer Container { get; init; }

    /// <summary>The container's log file inside the node: <see cref="LogDirectory"/>/&lt;container&gt;/0.log.</summary>
    public string LogPath => $"{LogDirectory}/{ContainerName}/0.log";

    /// <summary>Whether the pod shares the node's network namespace instead of its own on the node's CNI bridge.</summary>
    public required bool HostNetwork { get; init; }
}
