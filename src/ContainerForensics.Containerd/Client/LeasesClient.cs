using ContainerForensics.Containerd.Api.Leases;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.leases.v1.Leases: what holds content and snapshots back from garbage collection.</summary>
internal sealed class LeasesClient(ContainerdClient client)
{
    public Task<ListResponse> ListAsync(string ns, CancellationToken cancellationToken) =>
        client.CallAsync(ContainerdMethods.ListLeases, new ListRequest(), ns, cancellationToken);
}
