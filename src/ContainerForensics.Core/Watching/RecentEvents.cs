using System.Buffers.Binary;
using System.Security.Cryptography;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// The events one source delivered lately, by the SHA-256 of their bytes (the first 128 bits), so
/// that an event a reconnect replays (<c>since</c> is inclusive: Docker sends again what happened
/// at that very nanosecond) is recognised and not collected twice. Bounded: a replay reaches back
/// to the last event seen, never further, so the newest <see cref="Capacity"/> suffice however
/// long the watch runs.
/// </summary>
internal sealed class RecentEvents(int capacity = RecentEvents.DefaultCapacity)
{
    internal const int DefaultCapacity = 4096;

    private readonly HashSet<UInt128> _seen = [];
    private readonly Queue<UInt128> _order = new();

    public int Capacity => capacity;

    /// <summary>True the first time these bytes are offered; false for a replay of an event delivered before.</summary>
    public bool Add(ContainerEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(e.Raw.Span, hash);
        var key = BinaryPrimitives.ReadUInt128BigEndian(hash);
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
