using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// The containers a watch has met, by runtime and id: how each was described when its first
/// event came (so later events of it need no call to select it) and its triggers so far (so each
/// archive can name the earlier ones). Bounded, least recently used out first, and a container
/// the runtime removed is forgotten: hours of short-lived containers do not grow it.
/// </summary>
internal sealed class KnownContainers(int capacity = KnownContainers.DefaultCapacity)
{
    internal const int DefaultCapacity = 4096;

    /// <summary>Earlier triggers named in an archive's record, the most recent ones.</summary>
    internal const int MaxEarlier = 16;

    private readonly Lock _lock = new();
    private readonly Dictionary<(IContainerRuntime, string), LinkedListNode<Entry>> _map = [];
    private readonly LinkedList<Entry> _order = new();

    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _map.Count;
            }
        }
    }

    public ContainerInfo? Get(IContainerRuntime runtime, string id)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue((runtime, id), out var node))
            {
                return null;
            }
            _order.Remove(node);
            _order.AddLast(node);
            return node.Value.Container;
        }
    }

    public void Put(IContainerRuntime runtime, ContainerInfo container)
    {
        lock (_lock)
        {
            if (_map.TryGetValue((runtime, container.Id), out var node))
            {
                node.Value.Container = container;
                _order.Remove(node);
                _order.AddLast(node);
                return;
            }
            _map[(runtime, container.Id)] = _order.AddLast(new Entry(runtime, container));
            while (_map.Count > capacity && _order.First is { } oldest)
            {
                _order.RemoveFirst();
                _map.Remove((oldest.Value.Runtime, oldest.Value.Container.Id));
            }
        }
    }

    /// <summary>Notes a trigger of a known container and returns the ones before it, oldest first.</summary>
    public IReadOnlyList<AcquisitionTrigger.EarlierArchive> AddTrigger(IContainerRuntime runtime, string id, AcquisitionTrigger.EarlierArchive trigger)
    {
        lock (_lock)
        {
            if (!_map.TryGetValue((runtime, id), out var node))
            {
                return [];
            }
            var earlier = node.Value.Triggers.ToList();
            node.Value.Triggers.Enqueue(trigger);
            if (node.Value.Triggers.Count > MaxEarlier)
            {
                node.Value.Triggers.Dequeue();
            }
            return earlier;
        }
    }

    public void Forget(IContainerRuntime runtime, string id)
    {
        lock (_lock)
        {
            if (_map.Remove((runtime, id), out var node))
            {
                _order.Remove(node);
            }
        }
    }

    private sealed class Entry(IContainerRuntime runtime, ContainerInfo container)
    {
        public IContainerRuntime Runtime { get; } = runtime;

        public ContainerInfo Container { get; set; } = container;

        public Queue<AcquisitionTrigger.EarlierArchive> Triggers { get; } = new();
    }
}
