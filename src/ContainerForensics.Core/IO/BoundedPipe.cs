using System.Collections.Concurrent;

namespace ContainerForensics.Core.IO;

/// <summary>
/// A one-way byte pipe between two threads of this process, bounded: <see cref="Writer"/>
/// copies what it is given into chunks and blocks while <see cref="MaxChunks"/> wait unread;
/// <see cref="Reader"/> blocks until a chunk arrives and returns 0 once the writing side is
/// complete and everything was read. Synchronous on both sides, because each side runs on a
/// thread of its own that has nothing else to do while it waits.
/// </summary>
/// <remarks>
/// A reader that gives up must keep reading to the end (<see cref="Drain"/>), or a writer
/// with nothing more to do than write here would wait for ever; <see cref="CompleteWriting"/>
/// is idempotent, so the owner calls it whatever happened on the writing side.
/// </remarks>
public sealed class BoundedPipe : IDisposable
{
    public const int ChunkSize = 256 * 1024;
    public const int MaxChunks = 16;

    private readonly BlockingCollection<byte[]> _chunks = new(MaxChunks);
    private readonly ConcurrentQueue<byte[]> _free = new();

    public BoundedPipe()
    {
        Writer = new WriteEnd(this);
        Reader = new ReadEnd(this);
    }

    /// <summary>Synchronous writes only; disposing it completes the writing side.</summary>
    public Stream Writer { get; }

    public Stream Reader { get; }

    /// <summary>No more bytes: the reader returns 0 once it has read what is queued. Idempotent.</summary>
    public void CompleteWriting()
    {
        ((WriteEnd)Writer).Submit();
        try
        {
            _chunks.CompleteAdding();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Reads and discards everything up to the end of the writing side.</summary>
    public void Drain()
    {
        var buffer = new byte[ChunkSize];
        while (Reader.Read(buffer, 0, buffer.Length) > 0)
        {
        }
    }

    public void Dispose()
    {
        CompleteWriting();
        _chunks.Dispose();
    }

    private sealed class WriteEnd(BoundedPipe pipe) : WriteOnlyStream
    {
        private byte[]? _current;
        private int _filled;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (buffer.Length > 0)
            {
                _current ??= pipe._free.TryDequeue(out var reused) ? reused : new byte[ChunkSize];
                int n = Math.Min(buffer.Length, ChunkSize - _filled);
                buffer[..n].CopyTo(_current.AsSpan(_filled));
                _filled += n;
                buffer = buffer[n..];
                if (_filled == ChunkSize)
                {
                    Submit();
                }
            }
        }

        /// <summary>Hands the chunk being filled to the reader (a flush), blocking while the pipe is full.</summary>
        internal void Submit()
        {
            if (_filled == 0 || _current is null)
            {
                return;
            }
            var chunk = _current;
            if (_filled < ChunkSize)
            {
                chunk = chunk.AsSpan(0, _filled).ToArray();
            }
            _current = null;
            _filled = 0;
            pipe._chunks.Add(chunk);
        }

        public override void Flush() => Submit();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                pipe.CompleteWriting();
            }
            base.Dispose(disposing);
        }
    }

    private sealed class ReadEnd(BoundedPipe pipe) : SyncReadOnlyStream
    {
        private byte[]? _chunk;
        private int _offset;
        private long _total;

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }
            while (_chunk is null || _offset == _chunk.Length)
            {
                if (_chunk is { Length: ChunkSize })
                {
                    pipe._free.Enqueue(_chunk);
                }
                _chunk = null;
                if (!pipe._chunks.TryTake(out var next, Timeout.Infinite))
                {
                    return 0; // complete, and every chunk read
                }
                _chunk = next;
                _offset = 0;
            }
            int n = Math.Min(buffer.Length, _chunk.Length - _offset);
            _chunk.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            _total += n;
            return n;
        }

        protected override long Consumed => _total;
    }
}
