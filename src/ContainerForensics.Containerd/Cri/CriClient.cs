using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Cri;

/// <summary>
/// The Kubernetes CRI (runtime.v1.RuntimeService) that containerd's CRI plugin serves on the
/// same socket as containerd's own API. CRI calls carry no <c>containerd-namespace</c> header:
/// the plugin always works in "k8s.io". A containerd without the plugin (or one serving only
/// v1alpha2) answers Unimplemented. Only the read-only calls are here; the stub has the others.
/// </summary>
internal sealed class CriClient(ContainerdChannel channel)
{
    /// <summary>The CRI version the kubelet would ask for; containerd answers with the one it serves.</summary>
    public const string ApiVersion = "v1";

    private readonly RuntimeService.RuntimeServiceClient _stub = new(channel.CallInvoker);

    public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) =>
        _stub.VersionAsync(new VersionRequest { Version = ApiVersion }, cancellationToken: cancellationToken).ResponseAsync;

    public Task<ListPodSandboxResponse> ListPodSandboxAsync(CancellationToken cancellationToken) =>
        _stub.ListPodSandboxAsync(new ListPodSandboxRequest(), cancellationToken: cancellationToken).ResponseAsync;

    /// <summary>verbose=true: containerd adds its "info" JSON (pid, config, runtime spec, network namespace).</summary>
    public Task<PodSandboxStatusResponse> PodSandboxStatusAsync(string id, CancellationToken cancellationToken) =>
        _stub.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = id, Verbose = true }, cancellationToken: cancellationToken).ResponseAsync;

    public Task<ListContainersResponse> ListContainersAsync(CancellationToken cancellationToken) =>
        _stub.ListContainersAsync(new ListContainersRequest(), cancellationToken: cancellationToken).ResponseAsync;

    /// <summary>verbose=true: containerd adds its "info" JSON (pid, sandbox id, config, runtime spec).</summary>
    public Task<ContainerStatusResponse> ContainerStatusAsync(string id, CancellationToken cancellationToken) =>
        _stub.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id, Verbose = true }, cancellationToken: cancellationToken).ResponseAsync;
}
