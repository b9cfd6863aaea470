using ContainerForensics.Containerd.Api;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.namespaces.v1.Namespaces (namespaces themselves are not namespaced).</summary>
internal sealed class NamespacesClient(ContainerdClient client)
{
    public Task<ListNamespacesResponse> ListAsync(CancellationToken cancellationToken) =>
        client.CallAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, cancellationToken);
}
