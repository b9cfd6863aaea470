using System.Collections.Concurrent;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.TestSupport;

/// <summary>
/// A <see cref="FakeRuntime"/> whose containers can be followed, as Docker's /events can: the test
/// publishes events; every subscription (<see cref="WatchAsync"/>) first replays the published
/// events at or after its <c>since</c> (inclusive, as Docker's daemon does) when
/// <see cref="ReplaysSince"/>, then delivers new ones until the test cuts it
/// (<see cref="Disconnect"/>) or the caller cancels. <see cref="FindContainerAsync"/> answers from
/// the containers the test declares, and null for one it removed.
/// </summary>
public sealed class FakeFollowedRuntime(FakeRuntime inner) : IContainerRuntime, IContainerEventSource
{
    private readonly Lock _lock = new();
    private readonly List<ContainerEvent> _published = [];
    private readonly ConcurrentDictionary<string, ContainerInfo> _containers = new(inner.Containers.Select(c => KeyValuePair.Create(c.Id, c)), StringComparer.Ordinal);
    private Channel<ContainerEvent>? _current;

    public FakeRuntime Inner => inner;

    public RuntimeDescriptor Descriptor => inner.Descriptor;

    public bool ReplaysSince { get; init; } = true;

    /// <summary>The <c>since</c> of every subscription, in order.</summary>
    public ConcurrentQueue<DateTimeOffset?> Subscriptions { get; } = new();

    /// <summary>How many times a container was described.</summary>
    public int Finds => Volatile.Read(ref _finds);

    private int _finds;

    /// <summary>Makes the container known (or changes it): <see cref="FindContainerAsync"/> answers it.</summary>
    public void Declare(ContainerInfo container) => _containers[container.Id] = container;

    /// <summary>The runtime no longer has it.</summary>
    public void Remove(string id) => _containers.TryRemove(id, out _);

    /// <summary>An event as Docker writes it on /events (one JSON object), delivered to the current subscription.</summary>
    public ContainerEvent Publish(string containerId, string action, DateTimeOffset? time = null, string? name = null)
    {
        var at = UnixTime.FromDateTimeOffset(time ?? DateTimeOffset.UtcNow);
        long nano = at.Seconds * 1_000_000_000 + at.Nanoseconds;
        string raw = string.Create(CultureInfo.InvariantCulture,
            $$$"""{"Type":"container","Action":"{{{action}}}","Actor":{"ID":"{{{containerId}}}","Attributes":{"name":"{{{name ?? containerId}}}"}},"timeNano":{{{nano}}}}""");
        var e = new ContainerEvent(Descriptor.Name, containerId, action, at) { Name = name ?? containerId, Raw = Encoding.UTF8.GetBytes(raw) };
        lock (_lock)
        {
            _published.Add(e);
            _current?.Writer.TryWrite(e);
        }
        return e;
    }

    /// <summary>Ends the current subscription, as a daemon that stops does.</summary>
    public void Disconnect()
    {
        lock (_lock)
        {
            _current?.Writer.TryComplete();
            _current = null;
        }
    }

    public async IAsyncEnumerable<ContainerEvent> WatchAsync(DateTimeOffset? since, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<ContainerEvent>();
        lock (_lock)
        {
            Subscriptions.Enqueue(since);
            if (ReplaysSince && since is { } from)
            {
                var start = UnixTime.FromDateTimeOffset(from);
                foreach (var e in _published.Where(e => e.Time.CompareTo(start) >= 0))
                {
                    channel.Writer.TryWrite(e);
                }
            }
            _current?.Writer.TryComplete();
            _current = channel;
        }
        await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken))
        {
            yield return e;
        }
    }

    public Task<ContainerInfo?> FindContainerAsync(ContainerEvent containerEvent, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _finds);
        return Task.FromResult(_containers.GetValueOrDefault(containerEvent.ContainerId));
    }

    /// <summary>Its events say nothing of their container (as containerd's): it is described by <see cref="FindContainerAsync"/>.</summary>
    public ContainerInfo? Describe(ContainerEvent containerEvent) => null;

    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken) => inner.ListContainersAsync(cancellationToken);

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) => inner.CollectEngineAsync(sink, options, cancellationToken);

    public void PhaseStarting(CollectionPhase phase, IReadOnlyList<ContainerInfo> containers, CancellationToken cancellationToken) =>
        inner.PhaseStarting(phase, containers, cancellationToken);

    public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        inner.CollectContainerAsync(container, phase, sink, options, cancellationToken);

    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken) => inner.GetInitPidAsync(container, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
