using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Api.Content;
using ContainerForensics.Containerd.Api.Images;
using ContainerForensics.Containerd.Api.Leases;
using ContainerForensics.Containerd.Api.Snapshots;
using ContainerForensics.Containerd.Grpc;
using Google.Protobuf.WellKnownTypes;

namespace ContainerForensics.Containerd.Client;

/// <summary>The containerd RPCs cfir calls, each bound to its proto declaration (Protos/).</summary>
internal static class ContainerdMethods
{
    public static readonly GrpcMethod<Empty, VersionResponse> Version =
        new(VersionReflection.Descriptor, "Version", "Version");

    public static readonly GrpcMethod<ListNamespacesRequest, ListNamespacesResponse> ListNamespaces =
        new(NamespaceReflection.Descriptor, "Namespaces", "List");

    public static readonly GrpcMethod<ListContainersRequest, ListContainersResponse> ListContainers =
        new(ContainersReflection.Descriptor, "Containers", "List");

    public static readonly GrpcMethod<GetContainerRequest, GetContainerResponse> GetContainer =
        new(ContainersReflection.Descriptor, "Containers", "Get");

    public static readonly GrpcMethod<ListTasksRequest, ListTasksResponse> ListTasks =
        new(TasksReflection.Descriptor, "Tasks", "List");

    public static readonly GrpcMethod<GetRequest, GetResponse> GetTask =
        new(TasksReflection.Descriptor, "Tasks", "Get");

    public static readonly GrpcMethod<MountsRequest, MountsResponse> SnapshotMounts =
        new(SnapshotsReflection.Descriptor, "Snapshots", "Mounts");

    public static readonly GrpcMethod<ListContentRequest, ListContentResponse> ListContent =
        new(ContentReflection.Descriptor, "Content", "List");

    public static readonly GrpcMethod<ReadContentRequest, ReadContentResponse> ReadContent =
        new(ContentReflection.Descriptor, "Content", "Read");

    public static readonly GrpcMethod<ListImagesRequest, ListImagesResponse> ListImages =
        new(ImagesReflection.Descriptor, "Images", "List");

    public static readonly GrpcMethod<ListRequest, ListResponse> ListLeases =
        new(LeasesReflection.Descriptor, "Leases", "List");

    /// <summary>
    /// Events.Subscribe, named in the record that says why it is not called (containerd keeps
    /// no history to read); no proto is compiled for a call cfir never makes.
    /// </summary>
    public const string SubscribeEventsPath = "/containerd.services.events.v1.Events/Subscribe";
}
