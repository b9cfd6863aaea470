using ContainerForensics.Containerd.Api.Leases;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.leases.v1.Leases: what holds content and snapshots back from garbage collection.</summary>
internal sealed class LeasesClient(Leases.LeasesClient stub)
{
    public Task<ListResponse> ListAsync(string ns, CancellationToken cancellationToken) =>
        stub.ListAsync(new ListRequest(), ContainerdClient.In(ns), cancellationToken: cancellationToken).ResponseAsync;
}
