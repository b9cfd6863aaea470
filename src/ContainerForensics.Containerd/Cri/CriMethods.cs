using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Cri;

/// <summary>
/// The read-only CRI RPCs cfir calls (runtime.v1.RuntimeService, Protos/cri/runtime/v1/api.proto).
/// The write RPCs are declared in the proto for the tests, which bind them themselves.
/// </summary>
internal static class CriMethods
{
    public const string Service = "RuntimeService";

    public static readonly GrpcMethod<VersionRequest, VersionResponse> Version =
        new(ApiReflection.Descriptor, Service, "Version");

    public static readonly GrpcMethod<ListPodSandboxRequest, ListPodSandboxResponse> ListPodSandbox =
        new(ApiReflection.Descriptor, Service, "ListPodSandbox");

    public static readonly GrpcMethod<PodSandboxStatusRequest, PodSandboxStatusResponse> PodSandboxStatus =
        new(ApiReflection.Descriptor, Service, "PodSandboxStatus");

    public static readonly GrpcMethod<ListContainersRequest, ListContainersResponse> ListContainers =
        new(ApiReflection.Descriptor, Service, "ListContainers");

    public static readonly GrpcMethod<ContainerStatusRequest, ContainerStatusResponse> ContainerStatus =
        new(ApiReflection.Descriptor, Service, "ContainerStatus");
}
