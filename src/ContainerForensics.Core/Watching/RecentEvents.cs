using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// The events one source delivered lately, by the SHA-256 of their bytes, action and attributes (the first 128 bits), so
/// that an event a reconnect replays (<c>since</c> is inclusive: Docker sends again what happened
/// at that very nanosecond) is recognised and not collected twice. Bounded: a replay reaches back
/// <see cref="EventFeed.ReplayMargin"/> before the last event seen, never further, so the newest
/// <see cref="Capacity"/> suffice however long the watch runs, unless a runtime sends more than
/// that many events within the margin.
/// </summary>
internal sealed class RecentEvents(int capacity = RecentEvents.DefaultCapacity)
{
    internal const int DefaultCapacity = 4096;

    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<UInt128> _order = new();

    public int Capacity => capacity;

    /// <summary>
    /// The event's bytes, and its action and attributes: one message of a runtime may be several
    /// events (a Kubernetes pod update whose two containers started), told apart by those.
    /// </summary>
    private static UInt128 Key(ContainerEvent e)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(e.Raw.Span);
        hash.AppendData(Encoding.UTF8.GetBytes("\0" + e.Action));
        foreach (var (k, v) in e.Attributes.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"\0{k}\0{v}"));
        }
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        hash.GetHashAndReset(digest);
        return BinaryPrimitives.ReadUInt128BigEndian(digest);
    }

    /// <summary>True the first time these bytes are offered; false for a replay of an event delivered before.</summary>
    public bool Add(ContainerEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var key = Key(e);
        if (!_seen.Add(key))
        {
            return false;
        }
        _order.Enqueue(key);
        if (_order.Count > capacity)
        {
            _seen.Remove(_order.Dequeue());
        }
        return true;
    }
}
