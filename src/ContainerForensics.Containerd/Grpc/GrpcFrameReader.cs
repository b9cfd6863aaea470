using System.Buffers.Binary;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// Reads length-prefixed gRPC messages from a response body, strictly: the body may end only
/// on a frame boundary; a cut-off header or message, a compressed message (we never offer
/// compression) or a length over the limit is a <see cref="GrpcProtocolException"/>. Reads any
/// number of frames, so server-streaming calls can use it as well as unary ones.
/// </summary>
public sealed class GrpcFrameReader(Stream body, int maxMessageSize = GrpcFraming.DefaultMaxMessageSize)
{
    private readonly byte[] _header = new byte[GrpcFraming.HeaderSize];

    /// <summary>How many complete messages were read so far.</summary>
    public int MessagesRead { get; private set; }

    /// <summary>The next message's bytes, or null when the body ended cleanly after the last frame.</summary>
    public async ValueTask<byte[]?> ReadMessageAsync(CancellationToken cancellationToken)
    {
        int got = await ReadUpToAsync(_header, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }
        if (got < _header.Length)
        {
            throw new GrpcProtocolException($"response cut off in the header of message {MessagesRead + 1}: {got} of {GrpcFraming.HeaderSize} bytes");
        }
        switch (_header[0])
        {
            case 0:
                break;
            case 1:
                throw new GrpcProtocolException($"message {MessagesRead + 1} is compressed, but no compression was negotiated");
            default:
                throw new GrpcProtocolException($"message {MessagesRead + 1} has an invalid compressed flag {_header[0]}");
        }
        uint length = BinaryPrimitives.ReadUInt32BigEndian(_header.AsSpan(1));
        if (length > (uint)maxMessageSize)
        {
            throw new GrpcProtocolException($"message {MessagesRead + 1} declares {length} bytes, over the limit of {maxMessageSize}");
        }
        var message = new byte[length];
        got = await ReadUpToAsync(message, cancellationToken).ConfigureAwait(false);
        if (got < message.Length)
        {
            throw new GrpcProtocolException($"response cut off in message {MessagesRead + 1}: {got} of {length} bytes");
        }
        MessagesRead++;
        return message;
    }

    /// <summary>Fills the buffer unless the body ends first; returns how much arrived.</summary>
    private async ValueTask<int> ReadUpToAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await body.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
