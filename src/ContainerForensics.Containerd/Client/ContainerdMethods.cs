using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Client;

/// <summary>The paths of the containerd RPCs cfir calls, as the records name them, each taken from its proto declaration (Protos/).</summary>
internal static class ContainerdMethods
{
    public static readonly string Version = GrpcPath.Of(Api.Version.Descriptor, "Version");

    public static readonly string ListNamespaces = GrpcPath.Of(Api.Namespaces.Descriptor, "List");

    public static readonly string ListContainers = GrpcPath.Of(Api.Containers.Descriptor, "List");

    public static readonly string GetContainer = GrpcPath.Of(Api.Containers.Descriptor, "Get");

    public static readonly string ListTasks = GrpcPath.Of(Api.Tasks.Descriptor, "List");

    public static readonly string GetTask = GrpcPath.Of(Api.Tasks.Descriptor, "Get");

    public static readonly string SnapshotMounts = GrpcPath.Of(Api.Snapshots.Snapshots.Descriptor, "Mounts");

    public static readonly string ListContent = GrpcPath.Of(Api.Content.Content.Descriptor, "List");

    public static readonly string ReadContent = GrpcPath.Of(Api.Content.Content.Descriptor, "Read");

    public static readonly string ListImages = GrpcPath.Of(Api.Images.Images.Descriptor, "List");

    public static readonly string ListLeases = GrpcPath.Of(Api.Leases.Leases.Descriptor, "List");

    public static readonly string SubscribeEvents = GrpcPath.Of(Api.Events.Events.Descriptor, "Subscribe");
}
