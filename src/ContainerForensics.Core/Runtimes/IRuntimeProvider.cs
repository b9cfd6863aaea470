using ContainerForensics.Core.DiskImages;

namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Finds one kind of runtime (docker, podman, containerd, kubernetes): tries its endpoint candidates in a
/// documented order and connects to those that answer. One implementation per runtime project.
/// </summary>
public interface IRuntimeProvider
{
    /// <summary>The name used with <c>--runtime</c>.</summary>
    string Name { get; }

    /// <summary>The command-line options this provider reads from <see cref="RuntimeSettings"/>; collect and list offer them.</summary>
    IReadOnlyList<RuntimeOption> Options { get; }

    /// <summary>
    /// Whether <c>--runtime auto</c> probes it. False for a runtime that is not this host's
    /// (Kubernetes: its API server is wherever a kubeconfig, possibly the attacker's, points):
    /// it is probed only when named with <c>--runtime</c> or when one of its options is given.
    /// </summary>
    bool ProbedByAuto => true;

    /// <summary>Every candidate tried, in order, with what it answered. Never throws for an absent runtime.</summary>
    Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken);

    /// <summary>
    /// The sockets this runtime's daemon listens on when it runs inside a container (a kind node's
    /// containerd, Docker-in-Docker), as paths inside that container, in the order looked for.
    /// Core looks for them in every running container it can see into (docs/architecture.md,
    /// "Nested runtimes"); none (the default) means this runtime is never looked for there.
    /// </summary>
    IReadOnlyList<string> NestedSockets => [];

    /// <summary>
    /// Connects to one of <see cref="NestedSockets"/> that Core found and resolved inside a
    /// container: through <see cref="NestedSocket.ConnectPath"/> only, never the path, and within
    /// <see cref="RuntimeSettings.CallTimeout"/>. The runtime names itself by what answered
    /// (a Docker socket may be Podman's) and decides its locality from the socket's peer
    /// (<see cref="LocalityProbe"/>); Core keeps it only when that is a daemon nested in the
    /// container. Never throws for a socket that does not answer: that is a probe with a reason.
    /// The socket stays Core's: the runtime must not dispose it.
    /// </summary>
    Task<RuntimeProbe> ProbeNestedAsync(NestedSocket socket, RuntimeSettings settings, CancellationToken cancellationToken) =>
        Task.FromResult(RuntimeProbe.NotFound(Name, socket.Endpoint, $"{Name} is not looked for inside containers"));

    /// <summary>
    /// Dead-box (<c>--root DIR</c>): the runtime's state as files of a disk image, no daemon
    /// contacted and nothing of this host read. Finds its data roots beneath
    /// <paramref name="image"/> (default places, or the provider's own option such as
    /// <c>--docker-root</c>, a path inside the image) and returns a runtime per data root
    /// found, each with <see cref="RuntimeLocality.DiskImage"/>, or probes saying why not.
    /// Every file is read through <paramref name="image"/> only. Never throws for an image
    /// without this runtime's state.
    /// </summary>
    Task<IReadOnlyList<RuntimeProbe>> OpenDiskImageAsync(DiskImage image, RuntimeSettings settings, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RuntimeProbe>>([RuntimeProbe.NotFound(Name, image.Root, $"{Name} is not read from a disk image")]);
}
