using ContainerForensics.Containerd.Api;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.containers.v1.Containers: the containers' metadata records.</summary>
internal sealed class ContainersClient(Containers.ContainersClient stub)
{
    /// <summary>Containers of one namespace; <paramref name="filters"/> use containerd's filter syntax and are ORed.</summary>
    public Task<ListContainersResponse> ListAsync(string ns, IEnumerable<string>? filters, CancellationToken cancellationToken)
    {
        var request = new ListContainersRequest();
        request.Filters.AddRange(filters ?? []);
        return stub.ListAsync(request, ContainerdClient.In(ns), cancellationToken: cancellationToken).ResponseAsync;
    }

    /// <summary>One container; a vanished one is NotFound.</summary>
    public Task<GetContainerResponse> GetAsync(string ns, string id, CancellationToken cancellationToken) =>
        stub.GetAsync(new GetContainerRequest { Id = id }, ContainerdClient.In(ns), cancellationToken: cancellationToken).ResponseAsync;
}
