namespace ContainerForensics.Bolt.Reading;

/// <summary>
/// The pages read last, least recently used dropped first, bounded in pages (a page with overflow counts as its
/// length in pages) and in bytes (with its parsed elements). A page larger than a quarter of the byte bound is never
/// kept, so one huge page cannot flush the rest.
/// </summary>
internal sealed class PageCache
{
    private readonly Dictionary<ulong, LinkedListNode<BoltPage>> _byId = [];
    private readonly LinkedList<BoltPage> _order = new();
    private readonly long _maxUnits;
    private readonly long _maxBytes;
    private readonly uint _pageSize;
    private long _units;
    private long _bytes;

    public PageCache(int maxPages, long maxBytes, uint pageSize)
    {
        _maxUnits = Math.Max(0, maxPages);
        _maxBytes = Math.Max(0, maxBytes);
        _pageSize = pageSize;
    }

    public BoltPage? Get(ulong id)
    {
        if (!_byId.TryGetValue(id, out var node))
        {
            return null;
        }
        _order.Remove(node);
        _order.AddFirst(node);
        return node.Value;
    }

    public void Add(BoltPage page)
    {
        ulong id = page.Id ?? throw new ArgumentException("an inline page is not cached", nameof(page));
        long bytes = page.Footprint;
        long units = Units(page.Data.Length);
        if (units > _maxUnits || bytes > _maxBytes / 4 || _byId.ContainsKey(id))
        {
            return;
        }
        while (_order.Last is { } last && (_units + units > _maxUnits || _bytes + bytes > _maxBytes))
        {
            _order.RemoveLast();
            _byId.Remove(last.Value.Id!.Value);
            _units -= Units(last.Value.Data.Length);
            _bytes -= last.Value.Footprint;
        }
        _byId[id] = _order.AddFirst(page);
        _units += units;
        _bytes += bytes;
    }

    public void Clear()
    {
        _byId.Clear();
        _order.Clear();
        _units = 0;
        _bytes = 0;
    }

    private long Units(long bytes) => Math.Max(1, (bytes + _pageSize - 1) / _pageSize);
}
