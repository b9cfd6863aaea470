using System.Collections.Concurrent;
using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Client;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// A containerd stand-in on <see cref="FakeGrpcServer"/>: the six RPCs cfir uses, namespaces
/// taken from the <c>containerd-namespace</c> header as containerd does (FailedPrecondition
/// without one), NotFound for unknown containers and tasks.
/// </summary>
internal sealed class FakeContainerd : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<string, (Container Container, Process? Task)>> _namespaces = new(StringComparer.Ordinal);

    private FakeContainerd(FakeGrpcServer server) => Server = server;

    public FakeGrpcServer Server { get; }

    public string SocketPath => Server.SocketPath;

    public VersionResponse Version { get; set; } = new() { Version = "1.6.20~fake", Revision = "fake-rev" };

    public static async Task<FakeContainerd> StartAsync()
    {
        var fake = new FakeContainerd(await FakeGrpcServer.StartAsync());
        fake.Register();
        return fake;
    }

    public void Add(string ns, Container container, Process? task = null) =>
        _namespaces.GetOrAdd(ns, _ => new(StringComparer.Ordinal))[container.Id] = (container, task);

    public void AddNamespace(string ns) => _namespaces.GetOrAdd(ns, _ => new(StringComparer.Ordinal));

    public void Remove(string ns, string id) => _namespaces[ns].TryRemove(id, out _);

    private void Register()
    {
        Server.Unary<Empty, VersionResponse>(ContainerdMethods.Version, (_, _) => Version);
        Server.Unary<ListNamespacesRequest, ListNamespacesResponse>(ContainerdMethods.ListNamespaces, (_, _) =>
        {
            var response = new ListNamespacesResponse();
            response.Namespaces.AddRange(_namespaces.Keys.Select(n => new Namespace { Name = n }));
            return response;
        });
        Server.Unary<ListContainersRequest, ListContainersResponse>(ContainerdMethods.ListContainers, (_, ctx) =>
        {
            var response = new ListContainersResponse();
            response.Containers.AddRange(Namespace(ctx).Values.Select(e => e.Container));
            return response;
        });
        Server.Unary<GetContainerRequest, GetContainerResponse>(ContainerdMethods.GetContainer, (r, ctx) =>
            Namespace(ctx).TryGetValue(r.Id, out var e)
                ? new GetContainerResponse { Container = e.Container }
                : throw new FakeStatus(StatusCode.NotFound, $"container \"{r.Id}\" in namespace \"{ctx.Request.Headers[ContainerdClient.NamespaceHeader]}\": not found"));
        Server.Unary<ListTasksRequest, ListTasksResponse>(ContainerdMethods.ListTasks, (_, ctx) =>
        {
            var response = new ListTasksResponse();
            response.Tasks.AddRange(Namespace(ctx).Values.Where(e => e.Task is not null).Select(e => e.Task!));
            return response;
        });
        Server.Unary<GetRequest, GetResponse>(ContainerdMethods.GetTask, (r, ctx) =>
            Namespace(ctx).TryGetValue(r.ContainerId, out var e) && e.Task is not null
                ? new GetResponse { Process = e.Task }
                : throw new FakeStatus(StatusCode.NotFound, $"no running task found: task {r.ContainerId} not found: not found"));
    }

    private ConcurrentDictionary<string, (Container Container, Process? Task)> Namespace(HttpContext ctx)
    {
        string ns = ctx.Request.Headers[ContainerdClient.NamespaceHeader].ToString();
        if (ns.Length == 0)
        {
            throw new FakeStatus(StatusCode.FailedPrecondition, "namespace is required: failed precondition");
        }
        return _namespaces.GetOrAdd(ns, _ => new(StringComparer.Ordinal));
    }

    public ValueTask DisposeAsync() => Server.DisposeAsync();
}
