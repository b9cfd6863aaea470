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

    /// <summary>
    /// Events.Subscribe, named in the record that says why it is not called (containerd keeps
    /// no history to read); no proto is compiled for a call cfir never makes.
    /// </summary>
    public const string SubscribeEventsPath = "/containerd.services.events.v1.Events/Subscribe";
}
