using System.Buffers.Binary;
using Google.Protobuf;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// The gRPC message framing ("Length-Prefixed-Message" in
/// https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md): one byte compressed flag,
/// a big-endian uint32 length, then the message. Requests are never compressed.
/// </summary>
public static class GrpcFraming
{
    public const int HeaderSize = 5;

    /// <summary>
    /// The largest message accepted. containerd itself sends at most 16 MiB
    /// (defaults.DefaultMaxSendMsgSize); anything far beyond is a broken or hostile peer.
    /// </summary>
    public const int DefaultMaxMessageSize = 64 * 1024 * 1024;

    /// <summary>One uncompressed frame holding the message.</summary>
    public static byte[] Encode(IMessage message)
    {
        int size = message.CalculateSize();
        var frame = new byte[HeaderSize + size];
        WriteHeader(frame, compressed: false, (uint)size);
        message.WriteTo(frame.AsSpan(HeaderSize));
        return frame;
    }

    public static void WriteHeader(Span<byte> destination, bool compressed, uint length)
    {
        destination[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(destination[1..HeaderSize], length);
    }
}
