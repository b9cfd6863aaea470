using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// Reads the Engine API's multiplexed stream (logs and attach of a container without a TTY,
/// https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerAttach):
/// <code>
/// header := [STREAM_TYPE, 0, 0, 0, SIZE1, SIZE2, SIZE3, SIZE4]   SIZE: big-endian uint32
/// frame  := header, SIZE bytes of payload                        STREAM_TYPE: 0 stdin, 1 stdout, 2 stderr
/// </code>
/// Strict, because the output is evidence: an unknown stream type, non-zero reserved bytes, a
/// header or payload cut short are errors (<see cref="MultiplexedStreamException"/>); the stream
/// ends cleanly only on a frame boundary. Type 3 is what newer daemons (moby stdcopy "Systemerr")
/// send to report an error inside the stream: it becomes an exception carrying that message.
/// </summary>
public sealed class MultiplexedStreamReader
{
    public const int HeaderLength = 8;

    /// <summary>The stream type of the daemon's error frame (moby stdcopy "Systemerr").</summary>
    internal const byte SystemErrorType = 3;

    /// <summary>The most of an error frame's message that is read.</summary>
    internal const int MaxSystemErrorBytes = 64 * 1024;

    private readonly Stream _source;
    private readonly byte[] _header = new byte[HeaderLength];
    private long _remaining;
    private long _frameOffset;

    public MultiplexedStreamReader(Stream source) => _source = source;

    /// <summary>Bytes consumed from the multiplexed stream, headers included.</summary>
    public long Position { get; private set; }

    /// <summary>The stream type of the current frame.</summary>
    public StdStream Current { get; private set; }

    /// <summary>
    /// Moves to the next frame (skipping what is left of the current one) and returns its
    /// header; null at a clean end of the stream.
    /// </summary>
    public async ValueTask<MultiplexedFrame?> NextFrameAsync(CancellationToken cancellationToken)
    {
        if (_remaining > 0)
        {
            byte[] skip = new byte[(int)Math.Min(_remaining, 64 * 1024)];
            while (_remaining > 0 && await ReadPayloadAsync(skip, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        _frameOffset = Position;
        int got = await ReadUpToAsync(_header, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }
        if (got < HeaderLength)
        {
            throw CutHeader(got, _frameOffset);
        }
        var (type, length) = CheckHeader(_header, _frameOffset);
        if (type == SystemErrorType)
        {
            throw await SystemErrorAsync(length, cancellationToken).ConfigureAwait(false);
        }
        Current = (StdStream)type;
        _remaining = length;
        return new MultiplexedFrame(Current, length, _frameOffset);
    }

    /// <summary>Reads payload of the current frame; 0 when the frame is done.</summary>
    public async ValueTask<int> ReadPayloadAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_remaining == 0 || buffer.Length == 0)
        {
            return 0;
        }
        int want = (int)Math.Min(buffer.Length, _remaining);
        int n = await _source.ReadAsync(buffer[..want], cancellationToken).ConfigureAwait(false);
        if (n == 0)
        {
            throw CutPayload(_remaining, _frameOffset);
        }
        _remaining -= n;
        Position += n;
        return n;
    }

    /// <summary>
    /// Demultiplexes the whole stream: stdout (and stdin, as moby's stdcopy does) payload to
    /// <paramref name="stdout"/>, stderr payload to <paramref name="stderr"/>. What was copied
    /// before a format error stays written.
    /// </summary>
    public async Task CopyToAsync(Stream stdout, Stream stderr, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[64 * 1024];
        while (await NextFrameAsync(cancellationToken).ConfigureAwait(false) is { } frame)
        {
            var target = frame.Stream == StdStream.Stderr ? stderr : stdout;
            int n;
            while ((n = await ReadPayloadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
            {
                await target.WriteAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<MultiplexedStreamException> SystemErrorAsync(uint length, CancellationToken cancellationToken)
    {
        var message = new byte[(int)Math.Min(length, MaxSystemErrorBytes)];
        int got = await ReadUpToAsync(message, cancellationToken).ConfigureAwait(false);
        return SystemError(message.AsSpan(0, got), _frameOffset);
    }

    /// <summary>
    /// The header rules, one place for this reader and the logs splitter (Logs/LogStreamSplitter):
    /// the reserved bytes are zero and the type is stdin, stdout, stderr or the daemon's error
    /// frame (<see cref="SystemErrorType"/>, which the caller reads and throws as <see cref="SystemError"/>).
    /// </summary>
    internal static (byte Type, uint Length) CheckHeader(ReadOnlySpan<byte> header, long offset)
    {
        byte type = header[0];
        if (header[1] != 0 || header[2] != 0 || header[3] != 0)
        {
            throw new MultiplexedStreamException($"frame header at offset {Fmt(offset)} has non-zero reserved bytes ({Convert.ToHexString(header[..HeaderLength])})", offset);
        }
        if (type > SystemErrorType)
        {
            throw new MultiplexedStreamException($"unknown stream type {type.ToString(CultureInfo.InvariantCulture)} in the frame header at offset {Fmt(offset)}", offset);
        }
        return (type, BinaryPrimitives.ReadUInt32BigEndian(header[4..HeaderLength]));
    }

    internal static MultiplexedStreamException CutHeader(int got, long offset) =>
        new($"stream cut inside a frame header at offset {Fmt(offset)}: {got} of {HeaderLength} bytes", offset);

    internal static MultiplexedStreamException CutPayload(long missing, long offset) =>
        new($"stream cut inside the frame at offset {Fmt(offset)}: {missing} of its payload bytes missing", offset);

    internal static MultiplexedStreamException SystemError(ReadOnlySpan<byte> message, long offset) =>
        new($"the daemon reported an error in the stream at offset {Fmt(offset)}: {Encoding.UTF8.GetString(message).Trim()}", offset);

    /// <summary>Fills the buffer unless the stream ends first; returns how much arrived.</summary>
    private async ValueTask<int> ReadUpToAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = await _source.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        Position += total;
        return total;
    }

    private static string Fmt(long v) => v.ToString(CultureInfo.InvariantCulture);
}
