using System.Net.Sockets;
using System.Threading.Channels;

namespace ContainerForensics.Core.IO;

/// <summary>
/// A connected stream socket in blocking mode, read by a thread of its own into a few large
/// buffers that the stream's reads then serve: the connection under Docker's HTTP/1.1 client.
/// <para>
/// Why not a <see cref="NetworkStream"/>: a socket used asynchronously is registered
/// edge-triggered with .NET's epoll engine for as long as it lives, so every write by the peer
/// wakes the engine's thread and a thread-pool worker, whether or not a read is waiting. dockerd
/// writes a log answer one frame at a time (about 150 bytes a <c>write</c>), so a large log
/// cost a wake-up and a pool hop per frame, on the cores the daemon needs too (bench/README.md,
/// "The pumped socket"). Here only the pump thread wakes, in the kernel, and once an
/// answer has brought more than <see cref="BulkAfterBytes"/> it sleeps
/// <see cref="BulkPause"/> after a read that found little, so the daemon's frames pile up and
/// are taken in one read.
/// </para>
/// <para>
/// What stays as it was: every byte in order, nothing held back once read (the pause comes
/// after a read is delivered, before the next); the end of the stream and a broken
/// connection reach the reader as they happened (0, or an <see cref="IOException"/>); a read
/// is cancelled by its token; memory is bounded (<see cref="Buffers"/> buffers: the pump waits
/// when the reader holds them all). Disposing shuts the socket down, which ends a pump blocked
/// in its read.
/// </para>
/// </summary>
public sealed class PumpedSocketStream : Stream
{
    /// <summary>Bytes of one answer after which reads are paced: beyond any metadata answer.</summary>
    public const int BulkAfterBytes = 1 << 20;

    /// <summary>In bulk mode, a read shorter than this means the peer writes slower than it is read.</summary>
    public const int ShortReadBytes = 32 * 1024;

    public static readonly TimeSpan BulkPause = TimeSpan.FromMilliseconds(1);

    /// <summary>Buffers per connection: one the reader drains, one the pump fills, two queued.</summary>
    public const int Buffers = 4;

    private const int SmallBufferBytes = 16 * 1024;
    private const int BulkBufferBytes = 256 * 1024;

    private readonly Socket _socket;
    private readonly Channel<Chunk> _filled = Channel.CreateBounded<Chunk>(
        new BoundedChannelOptions(Buffers - 2) { SingleReader = true, SingleWriter = true });
    /// <summary>
    /// The pump waits here blocking; continuations run synchronously so that the reader's return
    /// of a buffer wakes it directly, not through a thread-pool turn that a starved pool would delay.
    /// </summary>
    private readonly Channel<byte[]> _free = Channel.CreateBounded<byte[]>(
        new BoundedChannelOptions(Buffers) { SingleReader = true, SingleWriter = true, AllowSynchronousContinuations = true });
    private int _allocated;
    private long _sinceWrite;
    private byte[]? _current;
    private int _start;
    private int _end;
    private bool _ended;
    private int _disposed;

    private readonly record struct Chunk(byte[] Buffer, int Count);

    /// <param name="socket">Connected, and never used asynchronously (which would register it with the epoll engine).</param>
    public PumpedSocketStream(Socket socket)
    {
        _socket = socket;
        new Thread(Pump, maxStackSize: 256 * 1024) { IsBackground = true, Name = "cfir socket reader" }.Start();
    }

    public override bool CanRead => true;
    public override bool CanWrite => true;
    public override bool CanSeek => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    private void Pump()
    {
        try
        {
            bool pause = false;
            while (true)
            {
                bool bulk = Volatile.Read(ref _sinceWrite) >= BulkAfterBytes;
                byte[]? buffer = TakeFreeBuffer(bulk);
                if (buffer is null)
                {
                    return; // disposed while the reader held every buffer
                }
                if (pause)
                {
                    Thread.Sleep(BulkPause); // after the last read was delivered, before the next
                }
                int n = _socket.Receive(buffer);
                if (n == 0)
                {
                    break;
                }
                int more;
                while (n < buffer.Length && (more = _socket.Available) > 0)
                {
                    int m = _socket.Receive(buffer, n, Math.Min(more, buffer.Length - n), SocketFlags.None);
                    if (m == 0)
                    {
                        break; // the end: the next Receive says so again
                    }
                    n += m;
                }
                Interlocked.Add(ref _sinceWrite, n);
                // The flag is read after the read, not taken before it: a new request written
                // while the pump waited starts an answer that is not bulk.
                pause = n < ShortReadBytes && Volatile.Read(ref _sinceWrite) >= BulkAfterBytes;
                if (!_filled.Writer.TryWrite(new Chunk(buffer, n)))
                {
                    if (!_filled.Writer.WaitToWriteAsync().AsTask().GetAwaiter().GetResult() || !_filled.Writer.TryWrite(new Chunk(buffer, n)))
                    {
                        return;
                    }
                }
            }
            _filled.Writer.TryComplete();
        }
        catch (Exception e)
        {
            // A thread's boundary: whatever ended the pump reaches the reader as the stream's failure.
            _filled.Writer.TryComplete(e);
        }
    }

    /// <summary>A buffer for the pump: a free one, a new one while fewer than <see cref="Buffers"/> exist, or the next returned.</summary>
    private byte[]? TakeFreeBuffer(bool bulk)
    {
        int wanted = bulk ? BulkBufferBytes : SmallBufferBytes;
        if (!_free.Reader.TryRead(out byte[]? buffer))
        {
            if (_allocated < Buffers)
            {
                _allocated++;
                return new byte[wanted];
            }
            while (!_free.Reader.TryRead(out buffer))
            {
                if (!_free.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                {
                    return null;
                }
            }
        }
        return buffer.Length >= wanted ? buffer : new byte[wanted];
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        if (_current is null || _start == _end)
        {
            if (_ended)
            {
                return 0;
            }
            if (_current is not null)
            {
                _free.Writer.TryWrite(_current);
                _current = null;
            }
            Chunk chunk;
            while (!_filled.Reader.TryRead(out chunk))
            {
                bool more;
                try
                {
                    more = await _filled.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    throw new IOException("the connection failed: " + e.Message, e);
                }
                if (!more)
                {
                    _ended = true;
                    return 0;
                }
            }
            _current = chunk.Buffer;
            _start = 0;
            _end = chunk.Count;
        }
        int take = Math.Min(buffer.Length, _end - _start);
        _current.AsSpan(_start, take).CopyTo(buffer.Span);
        _start += take;
        return take;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>
    /// Sent at once on the blocking socket: requests are small and a unix socket's buffer holds
    /// them; the socket's send timeout (<see cref="UnixSocketConnector"/>) bounds a peer that
    /// reads nothing. A write starts a new answer: its reads are not paced until it is bulk.
    /// </summary>
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed != 0, this);
        cancellationToken.ThrowIfCancellationRequested();
        Volatile.Write(ref _sinceWrite, 0);
        try
        {
            while (!buffer.IsEmpty)
            {
                buffer = buffer[_socket.Send(buffer.Span)..];
            }
        }
        catch (SocketException e)
        {
            return ValueTask.FromException(new IOException("the connection failed: " + e.Message, e));
        }
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Write(byte[] buffer, int offset, int count) =>
        WriteAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            // The reader's failure first: the shutdown below makes a blocked Receive return 0,
            // and a pump that got there first would complete the stream as a clean end.
            _filled.Writer.TryComplete(new ObjectDisposedException(nameof(PumpedSocketStream))); // wakes a pump waiting for the reader
            _free.Writer.TryComplete(); // and one waiting for a buffer
            try
            {
                _socket.Shutdown(SocketShutdown.Both); // and one blocked in its read
            }
            catch (SocketException)
            {
                // not connected any more: nothing to wake
            }
            _socket.Dispose();
        }
        base.Dispose(disposing);
    }
}
