using ContainerForensics.Containerd.Api;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.tasks.v1.Tasks: the running side of containers.</summary>
internal sealed class TasksClient(Tasks.TasksClient stub)
{
    /// <summary>
    /// The tasks of one namespace. containerd (1.6, 2.x) ignores the request's filter and fills
    /// <c>Process.id</c> (the task id, which is the container id) but not <c>container_id</c>.
    /// </summary>
    public Task<ListTasksResponse> ListAsync(string ns, CancellationToken cancellationToken) =>
        stub.ListAsync(new ListTasksRequest(), ContainerdClient.In(ns), cancellationToken: cancellationToken).ResponseAsync;

    /// <summary>The task of a container (its init process); NotFound when the container has none.</summary>
    public Task<GetResponse> GetAsync(string ns, string containerId, CancellationToken cancellationToken) =>
        stub.GetAsync(new GetRequest { ContainerId = containerId }, ContainerdClient.In(ns), cancellationToken: cancellationToken).ResponseAsync;
}
