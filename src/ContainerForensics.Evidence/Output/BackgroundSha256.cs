using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// The sha256 of a byte stream, computed on a thread of its own. The caller hands the bytes
/// over in order (<see cref="Append"/> copies them into 1 MiB blocks; at most
/// <see cref="MaxQueued"/> wait, so a slow hash holds the caller back and memory stays at a few
/// MiB) and asks for the digest so far when it needs one (<see cref="CurrentHash"/>, which
/// waits for the blocks before it).
/// </summary>
/// <remarks>
/// WHY: the archive writer's thread reads every file and hashes it for the manifest, then the
/// tar stream below hashes the same bytes again for the seal: two sha256 passes over every byte,
/// one after the other on one thread, while a second core waits (with <c>-f tar</c> nothing
/// else runs; with tar.gz the deflate workers do). With the seal's pass here the two run side
/// by side, for one copy of each block (about a tenth of a sha256 pass).
/// </remarks>
internal sealed class BackgroundSha256 : IDisposable
{
    internal const int BlockSize = 1 << 20;
    internal const int MaxQueued = 4;

    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly BlockingCollection<Work> _queue = new(MaxQueued);
    private readonly ConcurrentQueue<byte[]> _free = new();
    private readonly Thread _thread;
    private byte[]? _current;
    private int _filled;
    private Exception? _failure;
    private bool _disposed;

    public BackgroundSha256()
    {
        // Its own thread, not the pool's: the collection's async I/O runs there, and the writer
        // that waits for a digest must not wait for a pool thread it is holding.
        _thread = new Thread(Hash) { IsBackground = true, Name = "cfir-sha256" };
        _thread.Start();
    }

    public void Append(ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        while (data.Length > 0)
        {
            _current ??= _free.TryDequeue(out var reused) ? reused : new byte[BlockSize];
            int n = Math.Min(data.Length, BlockSize - _filled);
            data[..n].CopyTo(_current.AsSpan(_filled));
            _filled += n;
            data = data[n..];
            if (_filled == BlockSize)
            {
                Submit();
            }
        }
    }

    /// <summary>The sha256 of every byte appended so far; hashing goes on afterwards.</summary>
    public byte[] CurrentHash()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Submit();
        using var done = new ManualResetEventSlim(false);
        var marker = new Work(null, 0, done);
        _queue.Add(marker);
        done.Wait();
        if (_failure is { } failure)
        {
            throw new InvalidOperationException("hashing the stream failed", failure);
        }
        return marker.Digest!;
    }

    private void Submit()
    {
        if (_filled > 0)
        {
            _queue.Add(new Work(_current, _filled, null));
            _current = null;
            _filled = 0;
        }
    }

    private void Hash()
    {
        foreach (var work in _queue.GetConsumingEnumerable())
        {
            try
            {
                if (work.Block is { } block)
                {
                    _hash.AppendData(block, 0, work.Length);
                    _free.Enqueue(block);
                }
                else
                {
                    work.Digest = _hash.GetCurrentHash();
                }
            }
            catch (Exception ex)
            {
                _failure ??= ex;
            }
            finally
            {
                work.Done?.Set();
            }
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        _queue.CompleteAdding();
        _thread.Join();
        _queue.Dispose();
        _hash.Dispose();
    }

    /// <summary>A block to hash, or (no block) a request for the digest of everything before it, signalled on <see cref="Done"/>.</summary>
    private sealed class Work(byte[]? block, int length, ManualResetEventSlim? done)
    {
        public byte[]? Block { get; } = block;

        public int Length { get; } = length;

        public ManualResetEventSlim? Done { get; } = done;

        public byte[]? Digest { get; set; }
    }
}
