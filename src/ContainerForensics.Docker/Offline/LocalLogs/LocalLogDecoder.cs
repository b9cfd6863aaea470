using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Text;

namespace ContainerForensics.Docker.Offline.LocalLogs;

/// <summary>
/// Decodes the local log driver's files strictly (moby daemon/logger/local: doc.go, local.go,
/// read.go). Each record is a frame: a 4-byte big-endian length L, L bytes of a protobuf
/// <c>LogEntry</c>, then L again as a 4-byte big-endian footer, so the file can be read both ways.
/// <list type="bullet">
/// <item>The file may end only on a frame boundary. A header, message or footer cut off is
/// recorded with its offset and what was missing, and decoding stops: no guess is made of
/// what the rest was.</item>
/// <item>A footer that is not the header's length, or a length above moby's own limit (1e6,
/// <c>maxMsgLen</c>), stops decoding the same way: the framing can no longer be trusted.</item>
/// <item>A whole frame whose protobuf is malformed (a truncated varint, a length past its end,
/// a group wire type, a field of the wrong wire type) is counted and listed, and decoding goes
/// on with the next frame: the framing is still sound.</item>
/// </list>
/// Unknown fields are skipped by their wire type, as protobuf readers do (a later moby may add some).
/// </summary>
internal static class LocalLogDecoder
{
    /// <summary>moby's maxMsgLen: the largest protobuf its reader accepts.</summary>
    public const int MaxMessageBytes = 1_000_000;

    private static readonly UTF8Encoding Utf8 = new(false, false);

    public static async IAsyncEnumerable<LocalLogRecord> ReadAsync(Stream input, LocalLogFileReport report, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var header = new byte[4];
        var frame = new byte[64 * 1024];
        long offset = 0;
        while (true)
        {
            int got = await FillAsync(input, header, 4, cancellationToken).ConfigureAwait(false);
            if (got == 0)
            {
                yield break;  // the end, on a frame boundary
            }
            if (got < 4)
            {
                report.Bytes = offset + got;
                report.Error = $"the file ends {got} bytes into the frame header at offset {offset}: a cut-off frame, not decoded";
                yield break;
            }
            uint length = BinaryPrimitives.ReadUInt32BigEndian(header);
            if (length > MaxMessageBytes)
            {
                report.Bytes = offset + 4;
                report.Error = $"the frame at offset {offset} says {length} bytes, more than moby's limit of {MaxMessageBytes}: the framing cannot be trusted, decoding stopped";
                yield break;
            }
            int need = (int)length + 4;
            if (frame.Length < need)
            {
                frame = new byte[need];
            }
            got = await FillAsync(input, frame, need, cancellationToken).ConfigureAwait(false);
            if (got < need)
            {
                report.Bytes = offset + 4 + got;
                report.Error = got < length
                    ? $"the frame at offset {offset} says {length} bytes but the file ends after {got} of them: a cut-off frame, not decoded"
                    : $"the frame at offset {offset} ends {got - (int)length} bytes into its footer: a cut-off frame, not decoded";
                yield break;
            }
            uint footer = BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan((int)length, 4));
            if (footer != length)
            {
                report.Bytes = offset + 4 + need;
                report.Error = $"the frame at offset {offset} has header length {length} and footer length {footer}: the framing cannot be trusted, decoding stopped";
                yield break;
            }
            var record = Parse(frame.AsSpan(0, (int)length), offset, out string? malformed);
            long at = offset;
            offset += 4 + need;
            report.Bytes = offset;
            if (record is null)
            {
                report.AddMalformed(at, malformed!);
                continue;
            }
            report.Records++;
            if (record.Partial)
            {
                report.PartialRecords++;
            }
            yield return record;
        }
    }

    /// <summary>One <c>LogEntry</c>; null with why when it is not a valid one.</summary>
    internal static LocalLogRecord? Parse(ReadOnlySpan<byte> message, long offset, out string? problem)
    {
        problem = null;
        string source = "";
        long time = 0;
        byte[] line = [];
        bool partial = false;
        LocalLogPartial? meta = null;
        var attributes = new List<KeyValuePair<string, string>>();
        var reader = new ProtoReader(message);
        while (!reader.End)
        {
            if (!reader.Tag(out int field, out int wire, out problem))
            {
                return null;
            }
            switch (field, wire)
            {
                case (1, 2):
                    if (!reader.Bytes(out var s, out problem))
                    {
                        return null;
                    }
                    source = Utf8.GetString(s);
                    break;
                case (2, 0):
                    if (!reader.Varint(out ulong t, out problem))
                    {
                        return null;
                    }
                    time = unchecked((long)t);
                    break;
                case (3, 2):
                    if (!reader.Bytes(out var l, out problem))
                    {
                        return null;
                    }
                    line = l.ToArray();
                    break;
                case (4, 0):
                    if (!reader.Varint(out ulong p, out problem))
                    {
                        return null;
                    }
                    partial = p != 0;
                    break;
                case (5, 2):
                    if (!reader.Bytes(out var m, out problem) || (meta = ParsePartial(m, out problem)) is null)
                    {
                        return null;
                    }
                    break;
                case (6, 2):
                    if (!reader.Bytes(out var a, out problem) || ParseAttribute(a, out problem) is not { } attribute)
                    {
                        return null;
                    }
                    attributes.Add(attribute);
                    break;
                case (1 or 2 or 3 or 4 or 5 or 6, _):
                    problem = $"field {field} has wire type {wire}, not the type LogEntry gives it";
                    return null;
                default:
                    if (!reader.Skip(wire, out problem))
                    {
                        return null;
                    }
                    break;
            }
        }
        return new LocalLogRecord(offset, source, time, line, partial, meta, attributes);
    }

    private static LocalLogPartial? ParsePartial(ReadOnlySpan<byte> message, out string? problem)
    {
        bool last = false;
        string id = "";
        int ordinal = 0;
        var reader = new ProtoReader(message);
        while (!reader.End)
        {
            if (!reader.Tag(out int field, out int wire, out problem))
            {
                return null;
            }
            bool ok;
            switch (field, wire)
            {
                case (1, 0):
                    ok = reader.Varint(out ulong v, out problem);
                    last = v != 0;
                    break;
                case (2, 2):
                    ok = reader.Bytes(out var s, out problem);
                    id = Utf8.GetString(s);
                    break;
                case (3, 0):
                    ok = reader.Varint(out ulong o, out problem);
                    ordinal = unchecked((int)o);
                    break;
                default:
                    ok = reader.Skip(wire, out problem);
                    break;
            }
            if (!ok)
            {
                problem = "partial_log_metadata: " + problem;
                return null;
            }
        }
        problem = null;
        return new LocalLogPartial(last, id, ordinal);
    }

    private static KeyValuePair<string, string>? ParseAttribute(ReadOnlySpan<byte> message, out string? problem)
    {
        string key = "";
        string value = "";
        var reader = new ProtoReader(message);
        while (!reader.End)
        {
            if (!reader.Tag(out int field, out int wire, out problem))
            {
                return null;
            }
            bool ok;
            if (field is 1 or 2 && wire == 2)
            {
                ok = reader.Bytes(out var s, out problem);
                if (field == 1)
                {
                    key = Utf8.GetString(s);
                }
                else
                {
                    value = Utf8.GetString(s);
                }
            }
            else
            {
                ok = reader.Skip(wire, out problem);
            }
            if (!ok)
            {
                problem = "attrs: " + problem;
                return null;
            }
        }
        problem = null;
        return new KeyValuePair<string, string>(key, value);
    }

    private static async Task<int> FillAsync(Stream input, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < count)
        {
            int n = await input.ReadAsync(buffer.AsMemory(total, count - total), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }

    /// <summary>The protobuf wire format (https://protobuf.dev/programming-guides/encoding/), read strictly within one message.</summary>
    private ref struct ProtoReader(ReadOnlySpan<byte> data)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private int _position;

        public readonly bool End => _position >= _data.Length;

        public bool Tag(out int field, out int wire, out string? problem)
        {
            field = 0;
            wire = 0;
            int at = _position;
            if (!Varint(out ulong key, out problem))
            {
                return false;
            }
            field = (int)Math.Min(key >> 3, int.MaxValue);
            wire = (int)(key & 7);
            if (field == 0)
            {
                problem = $"field number 0 at byte {at}";
                return false;
            }
            return true;
        }

        public bool Varint(out ulong value, out string? problem)
        {
            value = 0;
            int at = _position;
            for (int shift = 0; shift < 70; shift += 7)
            {
                if (_position >= _data.Length)
                {
                    problem = $"a varint at byte {at} runs past the end of the message";
                    return false;
                }
                byte b = _data[_position++];
                if (shift == 63 && b > 1)
                {
                    problem = $"a varint at byte {at} is longer than 64 bits";
                    return false;
                }
                value |= (ulong)(b & 0x7F) << shift;
                if ((b & 0x80) == 0)
                {
                    problem = null;
                    return true;
                }
            }
            problem = $"a varint at byte {at} is longer than 10 bytes";
            return false;
        }

        public bool Bytes(out ReadOnlySpan<byte> value, out string? problem)
        {
            value = default;
            int at = _position;
            if (!Varint(out ulong length, out problem))
            {
                return false;
            }
            if (length > (ulong)(_data.Length - _position))
            {
                problem = $"a length of {length} at byte {at} runs past the end of the message ({_data.Length - _position} bytes left)";
                return false;
            }
            value = _data.Slice(_position, (int)length);
            _position += (int)length;
            return true;
        }

        public bool Skip(int wire, out string? problem)
        {
            switch (wire)
            {
                case 0:
                    return Varint(out _, out problem);
                case 1:
                    return Fixed(8, out problem);
                case 2:
                    return Bytes(out _, out problem);
                case 5:
                    return Fixed(4, out problem);
                default:
                    problem = $"wire type {wire} at byte {_position} (groups and unknown types are not in LogEntry)";
                    return false;
            }
        }

        private bool Fixed(int size, out string? problem)
        {
            if (_data.Length - _position < size)
            {
                problem = $"a {size}-byte field at byte {_position} runs past the end of the message";
                return false;
            }
            _position += size;
            problem = null;
            return true;
        }
    }
}
