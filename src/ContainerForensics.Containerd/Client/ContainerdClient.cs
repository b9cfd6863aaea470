using ContainerForensics.Containerd.Grpc;
using Google.Protobuf;

namespace ContainerForensics.Containerd.Client;

/// <summary>
/// containerd's gRPC API as cfir uses it, one small class per service; the channel underneath
/// is the only part that knows sockets and HTTP/2. Namespaced calls carry the
/// <c>containerd-namespace</c> metadata header, which is how containerd scopes a request
/// (github.com/containerd/containerd/namespaces, GRPCHeader).
/// </summary>
internal sealed class ContainerdClient : IDisposable
{
    public const string NamespaceHeader = "containerd-namespace";

    public ContainerdClient(GrpcUnixChannel channel)
    {
        Channel = channel;
        Version = new VersionClient(this);
        Namespaces = new NamespacesClient(this);
        Containers = new ContainersClient(this);
        Tasks = new TasksClient(this);
        Snapshots = new SnapshotsClient(this);
        Content = new ContentClient(this);
        Images = new ImagesClient(this);
        Leases = new LeasesClient(this);
    }

    public GrpcUnixChannel Channel { get; }

    public VersionClient Version { get; }

    public NamespacesClient Namespaces { get; }

    public ContainersClient Containers { get; }

    public TasksClient Tasks { get; }

    public SnapshotsClient Snapshots { get; }

    public ContentClient Content { get; }

    public ImagesClient Images { get; }

    public LeasesClient Leases { get; }

    internal Task<TResponse> CallAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, string? ns, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        KeyValuePair<string, string>[] metadata = ns is null ? [] : [new(NamespaceHeader, ns)];
        return Channel.UnaryAsync(method, request, metadata, cancellationToken);
    }

    internal Task StreamAsync<TRequest, TResponse>(GrpcMethod<TRequest, TResponse> method, TRequest request, string ns, Func<TResponse, ValueTask> onMessage, CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new() =>
        Channel.ServerStreamingAsync(method, request, [new(NamespaceHeader, ns)], onMessage, cancellationToken);

    public void Dispose() => Channel.Dispose();
}
