using System.Buffers.Binary;
using System.Text;

namespace ContainerForensics.Docker.Tests.Offline;

/// <summary>
/// Writes the local log driver's frames as moby's local.go marshal() does: a 4-byte big-endian
/// length, a protobuf LogEntry (entry.proto: source=1, time_nano=2, line=3, partial=4,
/// partial_log_metadata=5 {last=1, id=2, ordinal=3}, attrs=6 {key=1, value=2}), the length again.
/// </summary>
internal static class LocalLogFrames
{
    public static byte[] Frame(byte[] message)
    {
        var frame = new byte[message.Length + 8];
        BinaryPrimitives.WriteUInt32BigEndian(frame, (uint)message.Length);
        message.CopyTo(frame, 4);
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(4 + message.Length), (uint)message.Length);
        return frame;
    }

    public static byte[] Entry(string source, long timeNano, string line, (bool Last, string Id, int Ordinal)? partial = null, (string Key, string Value)[]? attrs = null, bool unknownField = false)
    {
        var m = new MemoryStream();
        Bytes(m, 1, Encoding.UTF8.GetBytes(source));
        Varint(m, 2 << 3 | 0);
        Varint(m, unchecked((ulong)timeNano));
        Bytes(m, 3, Encoding.UTF8.GetBytes(line));
        if (unknownField)
        {
            Varint(m, 15 << 3 | 5);  // a fixed32 field a later moby might add
            m.Write([1, 2, 3, 4]);
        }
        if (partial is { } p)
        {
            Varint(m, 4 << 3 | 0);
            Varint(m, 1);
            var meta = new MemoryStream();
            Varint(meta, 1 << 3 | 0);
            Varint(meta, p.Last ? 1UL : 0UL);
            Bytes(meta, 2, Encoding.UTF8.GetBytes(p.Id));
            Varint(meta, 3 << 3 | 0);
            Varint(meta, (ulong)p.Ordinal);
            Bytes(m, 5, meta.ToArray());
        }
        foreach (var (key, value) in attrs ?? [])
        {
            var a = new MemoryStream();
            Bytes(a, 1, Encoding.UTF8.GetBytes(key));
            Bytes(a, 2, Encoding.UTF8.GetBytes(value));
            Bytes(m, 6, a.ToArray());
        }
        return m.ToArray();
    }

    public static void Varint(Stream s, ulong value)
    {
        while (value >= 0x80)
        {
            s.WriteByte((byte)(value | 0x80));
            value >>= 7;
        }
        s.WriteByte((byte)value);
    }

    public static void Bytes(Stream s, int field, byte[] value)
    {
        Varint(s, (ulong)(field << 3 | 2));
        Varint(s, (ulong)value.Length);
        s.Write(value);
    }
}
