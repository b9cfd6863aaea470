using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Cli;

/// <summary>The runtimes cfir knows, in the order they are probed. Kubernetes joins here later.</summary>
internal static class RuntimeProviders
{
    public static IReadOnlyList<IRuntimeProvider> All() =>
    [
        new Docker.Discovery.DockerRuntimeProvider(),
        new Docker.Discovery.PodmanRuntimeProvider(),
        new Containerd.ContainerdRuntimeProvider(),
    ];
}
