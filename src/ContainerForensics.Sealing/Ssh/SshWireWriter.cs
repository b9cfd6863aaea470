using System.Buffers.Binary;
using System.Text;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>Writes the SSH wire types (RFC 4251 section 5) into a growing buffer.</summary>
internal sealed class SshWireWriter
{
    private readonly MemoryStream _buffer = new();

    public SshWireWriter WriteUInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        _buffer.Write(b);
        return this;
    }

    public SshWireWriter WriteByte(byte value)
    {
        _buffer.WriteByte(value);
        return this;
    }

    public SshWireWriter WriteRaw(ReadOnlySpan<byte> bytes)
    {
        _buffer.Write(bytes);
        return this;
    }

    public SshWireWriter WriteString(ReadOnlySpan<byte> bytes)
    {
        WriteUInt32((uint)bytes.Length);
        _buffer.Write(bytes);
        return this;
    }

    public SshWireWriter WriteString(string text) => WriteString(Encoding.UTF8.GetBytes(text));

    /// <summary>An <c>mpint</c> from an unsigned big-endian magnitude: no leading zeros, a zero byte first when the top bit is set.</summary>
    public SshWireWriter WriteMpint(ReadOnlySpan<byte> magnitude)
    {
        magnitude = magnitude.TrimStart((byte)0);
        if (magnitude.Length > 0 && (magnitude[0] & 0x80) != 0)
        {
            WriteUInt32((uint)magnitude.Length + 1);
            _buffer.WriteByte(0);
            _buffer.Write(magnitude);
            return this;
        }
        return WriteString(magnitude);
    }

    public byte[] ToArray() => _buffer.ToArray();
}
