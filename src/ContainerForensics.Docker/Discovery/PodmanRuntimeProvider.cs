namespace ContainerForensics.Docker.Discovery;

/// <summary>
/// Finds Podman's Docker-compatible API service ("podman"): CONTAINER_HOST,
/// /run/podman/podman.sock, $XDG_RUNTIME_DIR/podman/podman.sock, and any Docker candidate
/// that answers as Podman (see <see cref="EndpointCandidates"/> and
/// <see cref="DockerCompatibleRuntimeProvider"/>).
/// </summary>
public sealed class PodmanRuntimeProvider : DockerCompatibleRuntimeProvider
{
    public PodmanRuntimeProvider()
        : this(HostFileSystem.Instance, TimeProvider.System)
    {
    }

    public PodmanRuntimeProvider(IHostFileSystem fileSystem, TimeProvider clock)
        : base(DockerEngineKind.Podman, fileSystem, clock)
    {
    }
}
