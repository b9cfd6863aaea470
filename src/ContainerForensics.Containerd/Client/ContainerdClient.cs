using ContainerForensics.Containerd.Grpc;
using Grpc.Core;

namespace ContainerForensics.Containerd.Client;

/// <summary>
/// containerd's gRPC API as cfir uses it: one small class per service over the generated stub,
/// which builds the request and adds the <c>containerd-namespace</c> metadata header, the way
/// containerd scopes a request (github.com/containerd/containerd/namespaces, GRPCHeader). The
/// channel underneath is the only part that knows sockets, deadlines and error mapping.
/// </summary>
internal sealed class ContainerdClient : IDisposable
{
    public const string NamespaceHeader = "containerd-namespace";

    public ContainerdClient(ContainerdChannel channel)
    {
        Channel = channel;
        var invoker = channel.CallInvoker;
        Version = new VersionClient(new Api.Version.VersionClient(invoker));
        Namespaces = new NamespacesClient(new Api.Namespaces.NamespacesClient(invoker));
        Containers = new ContainersClient(new Api.Containers.ContainersClient(invoker));
        Tasks = new TasksClient(new Api.Tasks.TasksClient(invoker));
        Snapshots = new SnapshotsClient(new Api.Snapshots.Snapshots.SnapshotsClient(invoker));
        Content = new ContentClient(new Api.Content.Content.ContentClient(invoker));
        Images = new ImagesClient(new Api.Images.Images.ImagesClient(invoker));
        Leases = new LeasesClient(new Api.Leases.Leases.LeasesClient(invoker));
        Events = new EventsClient(new Api.Events.Events.EventsClient(invoker));
    }

    public ContainerdChannel Channel { get; }

    public VersionClient Version { get; }

    public NamespacesClient Namespaces { get; }

    public ContainersClient Containers { get; }

    public TasksClient Tasks { get; }

    public SnapshotsClient Snapshots { get; }

    public ContentClient Content { get; }

    public ImagesClient Images { get; }

    public LeasesClient Leases { get; }

    public EventsClient Events { get; }

    /// <summary>The metadata of a call scoped to namespace <paramref name="ns"/>.</summary>
    internal static Metadata In(string ns) => new() { { NamespaceHeader, ns } };

    public void Dispose() => Channel.Dispose();
}
