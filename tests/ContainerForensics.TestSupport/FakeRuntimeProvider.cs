using System.Collections.Concurrent;
using System.Net.Sockets;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A provider that finds what a test tells it to: on this host, the runtimes given; inside
/// containers, the sockets given, connected as a real provider connects them (through
/// <see cref="NestedSocket.ConnectPath"/>, never the path), then answered with a
/// <see cref="FakeRuntime"/> whose locality is the kernel's answer about the socket's listener
/// (<see cref="LocalityProbe"/>), unless <see cref="Answer"/> says otherwise. Records every socket
/// it was handed.
/// </summary>
public sealed class FakeRuntimeProvider(string name, params IReadOnlyList<IContainerRuntime> runtimes) : IRuntimeProvider
{
    public string Name => name;

    public IReadOnlyList<RuntimeOption> Options => [];

    public IReadOnlyList<string> NestedSockets { get; init; } = [];

    /// <summary>The containers a runtime found inside a container lists; none by default.</summary>
    public Func<NestedSocket, IReadOnlyList<ContainerInfo>> NestedContainers { get; init; } = _ => [];

    /// <summary>What a runtime found inside a container captures per container and phase (<see cref="FakeRuntime.Captures"/>); nothing by default.</summary>
    public Func<ContainerInfo, CollectionPhase, IReadOnlyList<EvidenceItem>> NestedCaptures { get; init; } = (_, _) => [];

    /// <summary>Thrown from a nested runtime's listing when not null: a daemon that stopped answering after discovery.</summary>
    public Func<Exception?> NestedListFail { get; init; } = () => null;

    /// <summary>What a nested socket answers; by default a connection through its descriptor and a <see cref="FakeRuntime"/> named after this provider.</summary>
    public Func<NestedSocket, RuntimeSettings, CancellationToken, Task<RuntimeProbe>>? Answer { get; init; }

    /// <summary>The runtimes it answered nested sockets with, in order.</summary>
    public ConcurrentQueue<FakeRuntime> Answered { get; } = new();

    /// <summary>The sockets handed to <see cref="ProbeNestedAsync"/>: their paths inside the container.</summary>
    public ConcurrentQueue<string> Probed { get; } = new();

    public Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<RuntimeProbe>>([.. runtimes.Select(RuntimeProbe.Found)]);

    public async Task<RuntimeProbe> ProbeNestedAsync(NestedSocket socket, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        Probed.Enqueue(socket.Path);
        if (Answer is { } answer)
        {
            return await answer(socket, settings, cancellationToken);
        }
        try
        {
            using var probe = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            await probe.ConnectAsync(new UnixDomainSocketEndPoint(socket.ConnectPath), cancellationToken);
        }
        catch (SocketException ex)
        {
            return RuntimeProbe.NotFound(Name, socket.Endpoint, $"connect: {ex.Message}");
        }
        var runtime = new FakeRuntime(LocalityProbe.OfUnixSocket(socket.ConnectPath, location: socket.Endpoint), NestedContainers(socket))
        {
            ListFail = NestedListFail,
            Captures = NestedCaptures,
            Descriptor = new RuntimeDescriptor(Name, socket.Endpoint, "1", null) { Locality = LocalityProbe.OfUnixSocket(socket.ConnectPath, location: socket.Endpoint) },
        };
        Answered.Enqueue(runtime);
        return RuntimeProbe.Found(runtime);
    }
}
