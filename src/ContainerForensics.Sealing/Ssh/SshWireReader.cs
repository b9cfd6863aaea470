using System.Buffers.Binary;
using System.Text;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// Reads the SSH wire types (RFC 4251 section 5: uint32, string, mpint) from a byte buffer,
/// strictly: a length past the end is a <see cref="SshFormatException"/>, never a short read.
/// </summary>
internal sealed class SshWireReader(ReadOnlyMemory<byte> data, string what)
{
    private int _at;

    public int Remaining => data.Length - _at;

    public bool AtEnd => _at == data.Length;

    public uint ReadUInt32()
    {
        Need(4);
        uint v = BinaryPrimitives.ReadUInt32BigEndian(data.Span[_at..]);
        _at += 4;
        return v;
    }

    public byte ReadByte()
    {
        Need(1);
        return data.Span[_at++];
    }

    public ReadOnlyMemory<byte> ReadBytes(int count)
    {
        Need(count);
        var slice = data.Slice(_at, count);
        _at += count;
        return slice;
    }

    /// <summary>A <c>string</c>: uint32 length, then that many bytes.</summary>
    public ReadOnlyMemory<byte> ReadString()
    {
        uint length = ReadUInt32();
        if (length > (uint)Remaining)
        {
            throw new SshFormatException($"{what}: a field claims {length} bytes, {Remaining} remain");
        }
        return ReadBytes((int)length);
    }

    /// <summary>A <c>string</c> that holds text (names, comments): UTF-8.</summary>
    public string ReadText() => Encoding.UTF8.GetString(ReadString().Span);

    /// <summary>An <c>mpint</c> as unsigned big-endian magnitude, without the sign byte; negative values are refused.</summary>
    public byte[] ReadMpint()
    {
        var raw = ReadString().Span;
        if (raw.Length > 0 && (raw[0] & 0x80) != 0)
        {
            throw new SshFormatException($"{what}: a negative mpint where a key or signature value belongs");
        }
        return raw.TrimStart((byte)0).ToArray();
    }

    public ReadOnlyMemory<byte> Rest()
    {
        var rest = data[_at..];
        _at = data.Length;
        return rest;
    }

    public void ExpectEnd()
    {
        if (!AtEnd)
        {
            throw new SshFormatException($"{what}: {Remaining} unexpected byte(s) at the end");
        }
    }

    private void Need(int count)
    {
        if (count < 0 || count > Remaining)
        {
            throw new SshFormatException($"{what} is cut short");
        }
    }
}
