using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Tests;

/// <summary>The CRI write RPCs the rig tests need to make a pod; cfir itself never calls them.</summary>
internal static class CriTestMethods
{
    public static readonly GrpcMethod<RunPodSandboxRequest, RunPodSandboxResponse> RunPodSandbox =
        new(ApiReflection.Descriptor, "RuntimeService", "RunPodSandbox");

    public static readonly GrpcMethod<StopPodSandboxRequest, StopPodSandboxResponse> StopPodSandbox =
        new(ApiReflection.Descriptor, "RuntimeService", "StopPodSandbox");

    public static readonly GrpcMethod<RemovePodSandboxRequest, RemovePodSandboxResponse> RemovePodSandbox =
        new(ApiReflection.Descriptor, "RuntimeService", "RemovePodSandbox");

    public static readonly GrpcMethod<CreateContainerRequest, CreateContainerResponse> CreateContainer =
        new(ApiReflection.Descriptor, "RuntimeService", "CreateContainer");

    public static readonly GrpcMethod<StartContainerRequest, StartContainerResponse> StartContainer =
        new(ApiReflection.Descriptor, "RuntimeService", "StartContainer");
}
