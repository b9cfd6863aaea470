using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Cli;

/// <summary>
/// The runtimes cfir knows, in the order they are probed. Kubernetes is not this host's runtime:
/// auto probes it only when one of its options is given (<see cref="IRuntimeProvider.ProbedByAuto"/>).
/// </summary>
internal static class RuntimeProviders
{
    public static IReadOnlyList<IRuntimeProvider> All() =>
    [
        new Docker.Discovery.DockerRuntimeProvider(),
        new Docker.Discovery.PodmanRuntimeProvider(),
        new Containerd.ContainerdRuntimeProvider(),
        new Kubernetes.KubernetesRuntimeProvider(),
    ];
}
