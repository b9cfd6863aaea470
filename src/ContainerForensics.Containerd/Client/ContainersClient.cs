using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.containers.v1.Containers: the containers' metadata records.</summary>
internal sealed class ContainersClient(ContainerdClient client)
{
    /// <summary>Containers of one namespace; <paramref name="filters"/> use containerd's filter syntax and are ORed.</summary>
    public Task<ListContainersResponse> ListAsync(string ns, IEnumerable<string>? filters, CancellationToken cancellationToken)
    {
        var request = new ListContainersRequest();
        request.Filters.AddRange(filters ?? []);
        return client.CallAsync(ContainerdMethods.ListContainers, request, ns, cancellationToken);
    }

    /// <summary>One container; a vanished one is <see cref="GrpcStatusCode.NotFound"/>.</summary>
    public Task<GetContainerResponse> GetAsync(string ns, string id, CancellationToken cancellationToken) =>
        client.CallAsync(ContainerdMethods.GetContainer, new GetContainerRequest { Id = id }, ns, cancellationToken);
}
