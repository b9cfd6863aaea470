using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Offline;

namespace ContainerForensics.Docker.Discovery;

/// <summary>
/// Finds Docker Engines ("docker"): --docker-host/DOCKER_HOST, /var/run/docker.sock,
/// $XDG_RUNTIME_DIR/docker.sock (see <see cref="EndpointCandidates"/> and
/// <see cref="DockerCompatibleRuntimeProvider"/> for order and rules). Dead-box, the data roots
/// of a disk image (<see cref="DockerDataRoots"/>).
/// </summary>
public sealed class DockerRuntimeProvider : DockerCompatibleRuntimeProvider, IRuntimeProvider
{
    public DockerRuntimeProvider()
        : this(HostFileSystem.Instance, TimeProvider.System)
    {
    }

    public DockerRuntimeProvider(IHostFileSystem fileSystem, TimeProvider clock)
        : base(DockerEngineKind.Docker, fileSystem, clock)
    {
    }

    /// <summary>Each Docker data root found in the image, read from its files (<see cref="OfflineDockerRuntime"/>).</summary>
    public Task<IReadOnlyList<RuntimeProbe>> OpenDiskImageAsync(DiskImage image, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(settings);
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(DockerDataRoots.Open(image, settings));
    }
}
