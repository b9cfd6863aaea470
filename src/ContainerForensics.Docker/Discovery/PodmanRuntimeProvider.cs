using ContainerForensics.Core;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Offline.Podman;

namespace ContainerForensics.Docker.Discovery;

/// <summary>
/// Finds Podman's Docker-compatible API service ("podman"): CONTAINER_HOST,
/// /run/podman/podman.sock, $XDG_RUNTIME_DIR/podman/podman.sock, and any Docker candidate
/// that answers as Podman (see <see cref="EndpointCandidates"/> and
/// <see cref="DockerCompatibleRuntimeProvider"/>). Dead-box (<c>--root</c>), Podman's data roots
/// in the image instead (<see cref="PodmanDataRoots"/>, <c>--podman-root</c>).
/// </summary>
/// <remarks>
/// It implements <see cref="IRuntimeProvider"/> again so that its own option, its probe's check
/// of it and its disk-image reading are Podman's alone; the socket probing is the shared base's.
/// </remarks>
public sealed class PodmanRuntimeProvider : DockerCompatibleRuntimeProvider, IRuntimeProvider
{
    public PodmanRuntimeProvider()
        : this(HostFileSystem.Instance, TimeProvider.System)
    {
    }

    public PodmanRuntimeProvider(IHostFileSystem fileSystem, TimeProvider clock)
        : base(DockerEngineKind.Podman, fileSystem, clock)
    {
    }

    /// <summary><c>--podman-root</c>: a data root inside a disk image.</summary>
    public static RuntimeOption RootOption => PodmanDataRoots.RootOption;

    IReadOnlyList<RuntimeOption> IRuntimeProvider.Options => [PodmanDataRoots.RootOption];

    /// <summary>The live probe; <c>--podman-root</c> names a path inside a disk image, so without <c>--root</c> it is a usage error.</summary>
    public new Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.IsSet(PodmanDataRoots.RootOption))
        {
            throw new CfirException(ExitCode.UsageError, $"{PodmanDataRoots.RootOption.Flag} names a path inside a disk image: give the image with --root");
        }
        return base.ProbeAsync(settings, cancellationToken);
    }

    public Task<IReadOnlyList<RuntimeProbe>> OpenDiskImageAsync(DiskImage image, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(settings);
        // File reads of the image: run them off the caller's thread, side by side with the other providers'.
        return Task.Run(() => PodmanDataRoots.Open(image, settings, cancellationToken), cancellationToken);
    }
}
