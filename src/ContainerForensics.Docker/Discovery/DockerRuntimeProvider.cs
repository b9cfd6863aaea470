namespace ContainerForensics.Docker.Discovery;

/// <summary>
/// Finds Docker Engines ("docker"): --docker-host/DOCKER_HOST, /var/run/docker.sock,
/// $XDG_RUNTIME_DIR/docker.sock (see <see cref="EndpointCandidates"/> and
/// <see cref="DockerCompatibleRuntimeProvider"/> for order and rules).
/// </summary>
public sealed class DockerRuntimeProvider : DockerCompatibleRuntimeProvider
{
    public DockerRuntimeProvider()
        : this(HostFileSystem.Instance, TimeProvider.System)
    {
    }

    public DockerRuntimeProvider(IHostFileSystem fileSystem, TimeProvider clock)
        : base(DockerEngineKind.Docker, fileSystem, clock)
    {
    }
}
