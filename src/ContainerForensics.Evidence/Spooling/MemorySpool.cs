using System.IO.Compression;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Spooling;

/// <summary>
/// A spool in memory, in chunks of <see cref="ChunkSize"/> bytes, each charged to the run's
/// <see cref="SpoolBudget"/>. A compressed spool deflates each full chunk (the manifest's JSON
/// lines shrink about elevenfold, so a 100,000-file collection holds about 9 MB instead of
/// 100 MB) and inflates one chunk at a time when it is read back, in order.
/// </summary>
internal sealed class MemorySpool : TempSpool
{
    internal const int ChunkSize = 1 << 20;

    private readonly SpoolBudget _budget;
    private readonly bool _compress;
    private readonly string _name;
    private readonly List<byte[]> _chunks = [];   // full chunks: raw, or deflated
    private readonly AppendStream _stream;
    private byte[]? _open;                        // the chunk being filled
    private int _openLength;
    private long _charged;
    private int _cachedIndex = -1;                // the inflated chunk kept for reading
    private byte[]? _cache;

    public MemorySpool(SpoolBudget budget, string name, bool compress)
    {
        _budget = budget;
        _name = name;
        _compress = compress;
        _stream = new AppendStream(this);
    }

    public override Stream Stream => _stream;

    public override long Length => ((long)_chunks.Count * ChunkSize) + _openLength;

    public override void Flush()
    {
    }

    public override int ReadAt(long offset, Span<byte> buffer)
    {
        if (offset >= Length || buffer.IsEmpty)
        {
            return 0;
        }
        int index = (int)(offset / ChunkSize);
        int within = (int)(offset % ChunkSize);
        ReadOnlySpan<byte> chunk = index < _chunks.Count ? Chunk(index) : _open.AsSpan(0, _openLength);
        int n = Math.Min(buffer.Length, chunk.Length - within);
        chunk.Slice(within, n).CopyTo(buffer);
        return n;
    }

    public override void Reset()
    {
        _chunks.Clear();
        _openLength = 0;
        _cachedIndex = -1;
        Release(keepOpenChunk: true);
    }

    public override void Dispose()
    {
        _chunks.Clear();
        _open = null;
        _cache = null;
        Release(keepOpenChunk: false);
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_open is null)
            {
                Charge(ChunkSize);
                _open = new byte[ChunkSize];
            }
            int n = Math.Min(data.Length, ChunkSize - _openLength);
            data[..n].CopyTo(_open.AsSpan(_openLength));
            _openLength += n;
            data = data[n..];
            if (_openLength == ChunkSize)
            {
                CloseChunk();
            }
        }
    }

    private void CloseChunk()
    {
        if (!_compress)
        {
            _chunks.Add(_open!);
            _open = null;
            _openLength = 0;
            return;
        }
        using var packed = new MemoryStream();
        using (var deflate = new DeflateStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            deflate.Write(_open!, 0, ChunkSize);
        }
        byte[] stored = packed.ToArray();
        Charge(stored.Length);
        _chunks.Add(stored);
        _openLength = 0; // the open chunk's buffer is reused, still charged
    }

    private ReadOnlySpan<byte> Chunk(int index)
    {
        if (!_compress)
        {
            return _chunks[index];
        }
        if (_cachedIndex != index)
        {
            _cache ??= new byte[ChunkSize];
            using var inflate = new DeflateStream(new MemoryStream(_chunks[index], writable: false), CompressionMode.Decompress);
            inflate.ReadExactly(_cache);
            _cachedIndex = index;
        }
        return _cache;
    }

    private void Charge(long bytes)
    {
        _budget.Charge(bytes, _name);
        _charged += bytes;
    }

    private void Release(bool keepOpenChunk)
    {
        long keep = keepOpenChunk && _open is not null ? ChunkSize : 0;
        _budget.Release(_charged - keep);
        _charged = keep;
    }

    /// <summary>The appending face of the spool, for writers that want a <see cref="System.IO.Stream"/>.</summary>
    private sealed class AppendStream(MemorySpool spool) : WriteOnlyStream
    {
        public override long Length => spool.Length;

        public override long Position { get => spool.Length; set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer) => spool.Append(buffer);
    }
}
