using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>
/// A runtime found inside a container, as the rest of cfir sees it: the provider's runtime with
/// where it is nested stamped by Core, on its descriptor and on every container it lists, so no
/// runtime has to know it runs nested and the layout and records still show it. Owns the socket
/// it was connected through (<see cref="NestedSocket"/>) and closes it after the runtime.
/// A runtime that can be followed stays followable (<see cref="Wrap"/>).
/// </summary>
internal class NestedRuntime : IContainerRuntime
{
    private readonly IContainerRuntime _inner;
    private readonly NestedSocket _socket;

    protected NestedRuntime(IContainerRuntime inner, NestedSocket socket)
    {
        _inner = inner;
        _socket = socket;
        Descriptor = inner.Descriptor with { Nesting = socket.Link };
    }

    /// <summary>The nested runtime, as an <see cref="IContainerEventSource"/> too when the runtime is one.</summary>
    public static NestedRuntime Wrap(IContainerRuntime inner, NestedSocket socket) =>
        inner is IContainerEventSource ? new Followable(inner, socket) : new NestedRuntime(inner, socket);

    public RuntimeDescriptor Descriptor { get; }

    protected IContainerRuntime Inner => _inner;

    public NestingLink Link => _socket.Link;

    public async Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<ContainerInfo> listed;
        try
        {
            listed = await _inner.ListContainersAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Failures.IsFatal(ex) && DaemonExited())
        {
            throw new NestedRuntimeGoneException($"{Descriptor} is gone: its daemon (host pid {Descriptor.Locality.DaemonPid}) exited since discovery ({ex.Message})", ex);
        }
        return [.. listed.Select(c => c with { NestedIn = _socket.Link })];
    }

    /// <summary>The daemon's /proc entry is gone. A reused number reads as alive: the failure is then recorded, the careful side.</summary>
    private bool DaemonExited() =>
        Descriptor.Locality.DaemonPid is { } pid && !Directory.Exists($"{_socket.ProcRoot}/{pid.ToString(System.Globalization.CultureInfo.InvariantCulture)}");

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        _inner.CollectEngineAsync(sink, options, cancellationToken);

    public void PhaseStarting(CollectionPhase phase, IReadOnlyList<ContainerInfo> containers, CancellationToken cancellationToken) =>
        _inner.PhaseStarting(phase, containers, cancellationToken);

    public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        _inner.CollectContainerAsync(container, phase, sink, options, cancellationToken);

    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken) =>
        _inner.GetInitPidAsync(container, cancellationToken);

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _inner.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            _socket.Dispose();
        }
        GC.SuppressFinalize(this);
    }

    public override string ToString() => Descriptor.ToString();

    private sealed class Followable(IContainerRuntime inner, NestedSocket socket) : NestedRuntime(inner, socket), IContainerEventSource
    {
        public IAsyncEnumerable<ContainerEvent> WatchAsync(DateTimeOffset? since, CancellationToken cancellationToken) =>
            ((IContainerEventSource)Inner).WatchAsync(since, cancellationToken);

        public bool ReplaysSince => ((IContainerEventSource)Inner).ReplaysSince;

        public ContainerInfo? Describe(ContainerEvent containerEvent) =>
            ((IContainerEventSource)Inner).Describe(containerEvent) is { } described ? described with { NestedIn = Link } : null;

        public async Task<ContainerInfo?> FindContainerAsync(ContainerEvent containerEvent, CancellationToken cancellationToken) =>
            await ((IContainerEventSource)Inner).FindContainerAsync(containerEvent, cancellationToken).ConfigureAwait(false) is { } found
                ? found with { NestedIn = Link }
                : null;
    }
}
