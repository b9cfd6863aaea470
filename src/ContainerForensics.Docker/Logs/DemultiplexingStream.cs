using System.Globalization;
using ContainerForensics.Docker.Api;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Docker.Logs;

/// <summary>
/// The payload of one standard stream out of the Engine API's multiplexed stream
/// (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerAttach),
/// as a forward-only read-only <see cref="Stream"/>: what the archive writer pulls through
/// <see cref="Core.Evidence.EvidenceContent.FromStream"/>, so a log of any size passes through a
/// buffer, never through memory whole.
/// <para>
/// Strict, as <see cref="MultiplexedStreamReader"/> is: an unknown stream type, non-zero reserved
/// bytes, a header or payload cut short, the daemon's error frame (type 3) end the stream with a
/// <see cref="MultiplexedStreamException"/> (an <see cref="IOException"/>), after every payload
/// byte that arrived before it, the start of a cut frame included (the exception says how much
/// of it is missing); the stream ends cleanly only on a frame boundary. A broken connection
/// ends it with the transport's IOException, likewise after every byte that arrived. A frame of the other
/// stream than the one asked for (stderr in a <c>stdout=1&amp;stderr=0</c> body) is an error too:
/// the daemon broke the request, and dropping the frame silently would hide it. Stdin frames
/// count as stdout, as moby's stdcopy and <see cref="MultiplexedStreamReader.CopyToAsync"/> do.
/// </para>
/// </summary>
public sealed class DemultiplexingStream : AsyncReadOnlyStream
{
    private readonly Stream _source;
    private readonly MultiplexedStreamReader _reader;
    private readonly bool _leaveOpen;
    private bool _inFrame;
    private bool _ended;
    private IOException? _failure;
    private bool _disposed;

    /// <param name="multiplexed">The body of a logs (or attach) call of a container without a TTY.</param>
    /// <param name="wanted"><see cref="StdStream.Stdout"/> or <see cref="StdStream.Stderr"/>.</param>
    /// <param name="leaveOpen">Keep <paramref name="multiplexed"/> open when this stream is disposed.</param>
    public DemultiplexingStream(Stream multiplexed, StdStream wanted, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(multiplexed);
        if (wanted is not (StdStream.Stdout or StdStream.Stderr))
        {
            throw new ArgumentOutOfRangeException(nameof(wanted), wanted, "a log is read from stdout or stderr");
        }
        _source = multiplexed;
        // A log line is a frame: an 8-byte header read and a payload read of a few dozen bytes.
        // Reading the body in 64 KiB pieces instead saves each small read the HTTP stream's cost
        // (DockerResponseStream arms a timer per read; two such reads per line add up over a long log).
        _reader = new MultiplexedStreamReader(new ReadAheadStream(multiplexed));
        Wanted = wanted;
        _leaveOpen = leaveOpen;
    }

    /// <summary>The standard stream whose payload this stream yields.</summary>
    public StdStream Wanted { get; }

    /// <summary>Payload bytes handed out so far.</summary>
    public long PayloadBytes { get; private set; }

    /// <summary>Bytes consumed from the multiplexed stream so far, headers included.</summary>
    public long MultiplexedBytes => _reader.Position;

    /// <summary>Frames read so far (including empty ones).</summary>
    public long Frames { get; private set; }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            // The format broke: nothing after it can be trusted to be where it seems.
            throw _failure;
        }
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }
        try
        {
            while (true)
            {
                if (_inFrame)
                {
                    int n = await _reader.ReadPayloadAsync(buffer, cancellationToken).ConfigureAwait(false);
                    if (n > 0)
                    {
                        PayloadBytes += n;
                        return n;
                    }
                    _inFrame = false;
                }
                if (await _reader.NextFrameAsync(cancellationToken).ConfigureAwait(false) is not { } frame)
                {
                    _ended = true;
                    return 0;
                }
                Frames++;
                if (!Accepts(frame.Stream))
                {
                    throw new MultiplexedStreamException(
                        $"a {Name(frame.Stream)} frame ({frame.Length.ToString(CultureInfo.InvariantCulture)} bytes) at offset {frame.Offset.ToString(CultureInfo.InvariantCulture)} " +
                        $"in a body that asked for {Name(Wanted)} only", frame.Offset);
                }
                _inFrame = true;
            }
        }
        catch (IOException ex)
        {
            _failure = ex;
            throw;
        }
    }

    private bool Accepts(StdStream type) => Wanted == StdStream.Stderr ? type == StdStream.Stderr : type is StdStream.Stdout or StdStream.Stdin;

    private static string Name(StdStream s) => s switch
    {
        StdStream.Stdin => "stdin",
        StdStream.Stdout => "stdout",
        _ => "stderr",
    };

    /// <summary>
    /// Reads its source in large pieces and hands them out in small ones. Unlike
    /// <see cref="BufferedStream"/>, a read returns what is buffered without also reading the
    /// source: when the source then fails, no byte that arrived is lost with the exception.
    /// </summary>
    private sealed class ReadAheadStream(Stream source) : AsyncReadOnlyStream
    {
        private readonly byte[] _buffer = new byte[64 * 1024];
        private int _start;
        private int _end;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }
            if (_start == _end)
            {
                if (buffer.Length >= _buffer.Length)
                {
                    return await source.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                }
                _start = 0;
                _end = await source.ReadAsync(_buffer, cancellationToken).ConfigureAwait(false);
                if (_end == 0)
                {
                    return 0;
                }
            }
            int n = Math.Min(buffer.Length, _end - _start);
            _buffer.AsMemory(_start, n).CopyTo(buffer);
            _start += n;
            return n;
        }

    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed && !_leaveOpen)
        {
            _source.Dispose();
        }
        _disposed = true;
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (!_disposed && !_leaveOpen)
        {
            await _source.DisposeAsync().ConfigureAwait(false);
        }
        _disposed = true;
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
