using ContainerForensics.Containerd.Api;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.namespaces.v1.Namespaces (namespaces themselves are not namespaced).</summary>
internal sealed class NamespacesClient(Namespaces.NamespacesClient stub)
{
    public Task<ListNamespacesResponse> ListAsync(CancellationToken cancellationToken) =>
        stub.ListAsync(new ListNamespacesRequest(), cancellationToken: cancellationToken).ResponseAsync;
}
