using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Cri;

/// <summary>The paths of the read-only CRI RPCs cfir calls (runtime.v1.RuntimeService, Protos/cri/runtime/v1/api.proto), as the records name them.</summary>
internal static class CriMethods
{
    public static readonly string Version = GrpcPath.Of(RuntimeService.Descriptor, "Version");

    public static readonly string ListPodSandbox = GrpcPath.Of(RuntimeService.Descriptor, "ListPodSandbox");

    public static readonly string PodSandboxStatus = GrpcPath.Of(RuntimeService.Descriptor, "PodSandboxStatus");

    public static readonly string ListContainers = GrpcPath.Of(RuntimeService.Descriptor, "ListContainers");

    public static readonly string ContainerStatus = GrpcPath.Of(RuntimeService.Descriptor, "ContainerStatus");
}
