using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.IO.Compression;
using System.Runtime.ExceptionServices;
using ContainerForensics.Core.IO;

namespace ContainerForensics.Evidence.Output;

/// <summary>
/// A write-only gzip compressor that uses every core and still writes one ordinary gzip
/// member (RFC 1952), the way pigz does. The input is cut into blocks; each block is
/// raw-deflated (RFC 1951) by a worker thread and ended with a sync flush — an empty stored
/// block, so the block's output ends byte-aligned with BFINAL=0 and the next block's deflate
/// data can follow it directly. Only the last block is final. A block starts with an empty
/// window (.NET has no deflateSetDictionary), which costs a little size at each boundary and
/// nothing in correctness. A block deflate would not shrink (compressed, encrypted, random
/// data: <see cref="LooksIncompressible"/>) is written as stored blocks instead, which saves
/// the CPU and the 5 % growth. Each worker also takes its block's CRC-32; the writer joins them in
/// order (<see cref="Crc32.Combine"/>) for the trailer. Output keeps the input's order; at most
/// <c>2 × workers</c> blocks are in flight, so a slow output holds the writer back (bounded
/// memory); a worker's failure is thrown on the writer's next call.
/// </summary>
internal sealed class ParallelGzipStream : WriteOnlyStream
{
    /// <summary>1 MiB by measurement (docs/evidence-format.md, "Compression").</summary>
    public const int DefaultBlockSize = 1 << 20;

    // RFC 1952 2.3: ID1 ID2, CM=8 (deflate), FLG=0, MTIME=0 (no time: the archive's times are in it), XFL, OS=3 (Unix).
    private const byte OsUnix = 3;

    // RFC 1951 3.2.3/3.2.6: BFINAL=1, BTYPE=01 (fixed Huffman), end-of-block code 0000000: the bits 1,1,0 then seven zeros.
    private static readonly byte[] EmptyFinalBlock = [0x03, 0x00];

    private readonly Stream _output;
    private readonly bool _leaveOpen;
    private readonly int _headerLevel;
    private int _level;
    private readonly int _blockSize;
    private readonly int _maxInFlight;
    private readonly BlockingCollection<Block> _work = new();
    private readonly Thread[] _workers;
    private readonly Queue<Block> _pending = new();
    private readonly Stack<Block> _free = new();
    private Block? _current;
    private bool _headerWritten;
    private uint _crc;
    private long _length;
    private bool _finished;
    private bool _faulted;
    private bool _disposed;

    /// <param name="output">Where the gzip member goes.</param>
    /// <param name="level">zlib level 1..9 for every block.</param>
    /// <param name="leaveOpen">Whether <paramref name="output"/> stays open after this is disposed.</param>
    /// <param name="blockSize">Uncompressed bytes per block.</param>
    /// <param name="workers">Compressing threads; default one per core.</param>
    public ParallelGzipStream(Stream output, int level, bool leaveOpen, int blockSize = DefaultBlockSize, int? workers = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(level, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(level, 9);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockSize, 1);
        _output = output;
        _leaveOpen = leaveOpen;
        _headerLevel = level;
        _level = level;
        _blockSize = blockSize;
        int count = Math.Max(1, workers ?? Environment.ProcessorCount);
        _maxInFlight = 2 * count;
        _workers = new Thread[count];
        for (int i = 0; i < count; i++)
        {
            // Own threads, not the thread pool: the collection's async I/O runs there, and a
            // writer blocked on a pool thread waiting for pool work could starve it.
            _workers[i] = new Thread(Work) { IsBackground = true, Name = "cfir-gzip-" + i };
            _workers[i].Start();
        }
    }

    /// <summary>
    /// The zlib level of the blocks submitted from now on (the block being filled included). The
    /// writer raises it for its own closing records: lines of JSON and hex digests, which level 1
    /// (zlib-ng's deflate_quick: fixed Huffman codes only) stores at 8 bits a hex digit, and
    /// level 2 (dynamic codes) at about half of that, for a little more CPU.
    /// </summary>
    public int Level
    {
        get => _level;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 0);
            ArgumentOutOfRangeException.ThrowIfGreaterThan(value, 9);
            _level = value;
        }
    }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        EnsureOpen();
        while (buffer.Length > 0)
        {
            _current ??= Rent();
            int n = Math.Min(buffer.Length, _blockSize - _current.Length);
            buffer[..n].CopyTo(_current.Input.AsSpan(_current.Length));
            _current.Length += n;
            buffer = buffer[n..];
            if (_current.Length == _blockSize)
            {
                Submit(final: false);
            }
        }
    }

    /// <summary>
    /// Like zlib's Z_SYNC_FLUSH: everything written so far is compressed and written out,
    /// decodable, with the member still open. Ends the current block early.
    /// </summary>
    public override void Flush()
    {
        EnsureOpen();
        if (_current is { Length: > 0 })
        {
            Submit(final: false);
        }
        Drain(0);
        _output.Flush();
    }

    private void Submit(bool final)
    {
        var block = _current ?? Rent();
        _current = null;
        block.Final = final;
        block.Level = _level;
        _pending.Enqueue(block);
        _work.Add(block);
        Drain(_maxInFlight - 1);
    }

    /// <summary>Writes finished blocks, oldest first, until at most <paramref name="keep"/> are in flight.</summary>
    private void Drain(int keep)
    {
        while (_pending.Count > keep)
        {
            var block = _pending.Peek();
            block.Done.Wait();
            _pending.Dequeue();
            try
            {
                if (block.Error is { } error)
                {
                    ExceptionDispatchInfo.Throw(error);
                }
                if (!_headerWritten)
                {
                    byte xfl = _headerLevel switch { 1 => 4, 9 => 2, _ => 0 }; // RFC 1952: 4 fastest, 2 maximum compression
                    _output.Write([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, xfl, OsUnix]);
                    _headerWritten = true;
                }
                _output.Write(block.Output.GetBuffer().AsSpan(0, (int)block.Output.Length));
                _crc = Crc32.Combine(_crc, block.Crc, block.Length);
                _length += block.Length;
            }
            catch
            {
                _faulted = true;
                throw;
            }
            finally
            {
                Return(block);
            }
        }
    }

    /// <summary>Compresses the rest, writes the last block and the trailer (CRC-32, ISIZE = length mod 2^32).</summary>
    private void Finish()
    {
        Submit(final: true);
        Drain(0);
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], unchecked((uint)_length));
        _output.Write(trailer);
        _output.Flush();
        _finished = true;
    }

    private void Work()
    {
        foreach (var block in _work.GetConsumingEnumerable())
        {
            try
            {
                Compress(block);
            }
            catch (Exception ex)
            {
                block.Error = ex;
            }
            finally
            {
                block.Done.Set();
            }
        }
    }

    private void Compress(Block block)
    {
        var input = block.Input.AsSpan(0, block.Length);
        block.Crc = Crc32.Append(0, input);
        var output = block.Output;
        output.SetLength(0);
        if (block.Final && block.Length == 0)
        {
            output.Write(EmptyFinalBlock);
            return;
        }
        if (block.Level > 0 && LooksIncompressible(input, output))
        {
            WriteStored(output, input, block.Final);
            return;
        }
        var deflate = new DeflateStream(output, new ZLibCompressionOptions { CompressionLevel = block.Level }, leaveOpen: true);
        deflate.Write(input);
        if (block.Final)
        {
            deflate.Dispose(); // Z_FINISH: the last deflate block has BFINAL=1
            return;
        }
        // DeflateStream.Flush is Z_SYNC_FLUSH: pending output, then an empty stored block
        // (BFINAL=0, 00 00 FF FF) that ends byte-aligned. What Dispose adds after that point (an
        // empty final block) is cut off: the next block continues the deflate stream.
        deflate.Flush();
        long end = output.Length;
        deflate.Dispose();
        output.SetLength(end);
    }

    /// <summary>
    /// Whether deflate would gain less than <see cref="StoreAboveRatio"/> on this block, judged
    /// by compressing <see cref="SampleCount"/> slices of <see cref="SampleSize"/> bytes spread
    /// over it (<paramref name="scratch"/> takes the sample's output). Compressed, encrypted and
    /// random data costs zlib-ng's level 1 about 10 ms per MiB and comes out 5.5 % larger
    /// (measured on the bench's random blobs: 100 MB/s, ratio 1.055, where text runs at
    /// 420 MB/s); the sample costs a thirtieth of that. A wrong guess costs size, never
    /// correctness: a stored block is as valid as a compressed one.
    /// </summary>
    internal static bool LooksIncompressible(ReadOnlySpan<byte> input, MemoryStream scratch)
    {
        if (input.Length < SampleCount * SampleSize * 2)
        {
            return false;
        }
        scratch.SetLength(0);
        using (var sample = new DeflateStream(scratch, new ZLibCompressionOptions { CompressionLevel = 1 }, leaveOpen: true))
        {
            int stride = (input.Length - SampleSize) / (SampleCount - 1);
            for (int i = 0; i < SampleCount; i++)
            {
                sample.Write(input.Slice(i * stride, SampleSize));
            }
        }
        bool incompressible = scratch.Length > StoreAboveRatio * SampleCount * SampleSize;
        scratch.SetLength(0);
        return incompressible;
    }

    private const int SampleCount = 4;
    private const int SampleSize = 8 << 10;
    private const double StoreAboveRatio = 0.97;

    /// <summary>
    /// The block as stored deflate blocks (RFC 1951 3.2.4): byte-aligned here (the stream starts
    /// aligned and every block before ends aligned), so each is the header byte (BFINAL, BTYPE=00,
    /// padding), LEN and NLEN little-endian, then up to 65,535 bytes as they are. The last one is
    /// final when the block is; a stored block ends aligned, so the next block follows directly.
    /// </summary>
    internal static void WriteStored(MemoryStream output, ReadOnlySpan<byte> input, bool final)
    {
        Span<byte> header = stackalloc byte[5];
        do
        {
            int n = Math.Min(input.Length, ushort.MaxValue);
            bool last = n == input.Length;
            header[0] = (byte)(final && last ? 1 : 0);
            BinaryPrimitives.WriteUInt16LittleEndian(header[1..], (ushort)n);
            BinaryPrimitives.WriteUInt16LittleEndian(header[3..], (ushort)~n);
            output.Write(header);
            output.Write(input[..n]);
            input = input[n..];
        }
        while (input.Length > 0);
    }

    private Block Rent()
    {
        if (_free.TryPop(out var block))
        {
            block.Length = 0;
            block.Error = null;
            block.Done.Reset();
            return block;
        }
        return new Block(_blockSize);
    }

    private void Return(Block block) => _free.Push(block);

    private void EnsureOpen()
    {
        ObjectDisposedException.ThrowIf(_disposed || _finished, this);
        if (_faulted)
        {
            throw new IOException("the gzip stream failed earlier");
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            try
            {
                // Like GZipStream: disposing ends the member, unless the stream already failed.
                if (!_finished && !_faulted)
                {
                    Finish();
                }
            }
            finally
            {
                _disposed = true;
                _work.CompleteAdding();
                foreach (var worker in _workers)
                {
                    worker.Join(); // a worker only finishes the block it holds; nothing waits on the output
                }
                _work.Dispose();
                foreach (var block in _pending.Concat(_free))
                {
                    block.Done.Dispose();
                }
                if (!_leaveOpen)
                {
                    _output.Dispose();
                }
            }
        }
        base.Dispose(disposing);
    }

    public override bool CanWrite => !_disposed && !_finished;

    /// <summary>One block: its input, its raw-deflate output, its CRC; recycled by the writer.</summary>
    private sealed class Block(int size)
    {
        public byte[] Input { get; } = new byte[size];

        public int Length { get; set; }

        public bool Final { get; set; }

        public int Level { get; set; }

        public MemoryStream Output { get; } = new(size + (size >> 3) + 64);

        public uint Crc { get; set; }

        public Exception? Error { get; set; }

        public ManualResetEventSlim Done { get; } = new(false);
    }
}
