namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Finds one kind of runtime (docker, podman, containerd, kubernetes): tries its endpoint candidates in a
/// documented order and connects to those that answer. One implementation per runtime project.
/// </summary>
public interface IRuntimeProvider
{
    /// <summary>The name used with <c>--runtime</c>.</summary>
    string Name { get; }

    /// <summary>The command-line options this provider reads from <see cref="RuntimeSettings"/>; collect and list offer them.</summary>
    IReadOnlyList<RuntimeOption> Options { get; }

    /// <summary>
    /// Whether <c>--runtime auto</c> probes it. False for a runtime that is not this host's
    /// (Kubernetes: its API server is wherever a kubeconfig, possibly the attacker's, points):
    /// it is probed only when named with <c>--runtime</c> or when one of its options is given.
    /// </summary>
    bool ProbedByAuto => true;

    /// <summary>Every candidate tried, in order, with what it answered. Never throws for an absent runtime.</summary>
    Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken);
}
