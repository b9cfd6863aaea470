using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Cri;

/// <summary>
/// The Kubernetes CRI (runtime.v1.RuntimeService) that containerd's CRI plugin serves on the
/// same socket as containerd's own API. CRI calls carry no <c>containerd-namespace</c> header:
/// the plugin always works in "k8s.io". A containerd without the plugin (or one serving only
/// v1alpha2) answers Unimplemented.
/// </summary>
internal sealed class CriClient(GrpcUnixChannel channel)
{
    /// <summary>The CRI version the kubelet would ask for; containerd answers with the one it serves.</summary>
    public const string ApiVersion = "v1";

    public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) =>
        channel.UnaryAsync(CriMethods.Version, new VersionRequest { Version = ApiVersion }, null, cancellationToken);

    public Task<ListPodSandboxResponse> ListPodSandboxAsync(CancellationToken cancellationToken) =>
        channel.UnaryAsync(CriMethods.ListPodSandbox, new ListPodSandboxRequest(), null, cancellationToken);

    /// <summary>verbose=true: containerd adds its "info" JSON (pid, config, runtime spec, network namespace).</summary>
    public Task<PodSandboxStatusResponse> PodSandboxStatusAsync(string id, CancellationToken cancellationToken) =>
        channel.UnaryAsync(CriMethods.PodSandboxStatus, new PodSandboxStatusRequest { PodSandboxId = id, Verbose = true }, null, cancellationToken);

    public Task<ListContainersResponse> ListContainersAsync(CancellationToken cancellationToken) =>
        channel.UnaryAsync(CriMethods.ListContainers, new ListContainersRequest(), null, cancellationToken);

    /// <summary>verbose=true: containerd adds its "info" JSON (pid, sandbox id, config, runtime spec).</summary>
    public Task<ContainerStatusResponse> ContainerStatusAsync(string id, CancellationToken cancellationToken) =>
        channel.UnaryAsync(CriMethods.ContainerStatus, new ContainerStatusRequest { ContainerId = id, Verbose = true }, null, cancellationToken);
}
