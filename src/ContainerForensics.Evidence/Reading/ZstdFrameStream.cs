using System.Buffers.Binary;
using ContainerForensics.Core.IO;
using ContainerForensics.Evidence.Compression;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// Exactly one zstd frame (RFC 8878) of the raw input, decompressed by libzstd's
/// <c>ZSTD_decompressStream</c>, which checks the blocks and the content checksum and returns 0
/// exactly where the frame ends: the raw bytes read past it are kept in <see cref="Leftover"/>
/// for whoever looks at what follows the archive, as <see cref="GzipMemberStream"/> does for
/// gzip. An input that ends inside the frame is a cut archive, not an end. Memory is the buffers
/// and libzstd's window, which a frame declares in its header: above
/// <see cref="ZstdSettings.WindowLogMax"/> the frame is refused before anything is allocated for
/// it (ZSTD_d_windowLogMax), so a crafted frame cannot make the reader grow.
/// </summary>
internal sealed unsafe class ZstdFrameStream : SyncReadOnlyStream
{
    private const uint FrameMagic = 0xFD2FB528;

    private readonly Stream _raw;
    private readonly byte[] _input = new byte[1 << 17]; // ZSTD_DStreamInSize is 128 KiB + a block header
    private readonly byte[] _header = new byte[18];     // the frame header's largest size (RFC 8878 3.1.1.1)
    private int _headerCount;
    private int _inputPos;
    private int _inputSize;
    private bool _rawEnded;
    private nint _dctx;
    private bool _ended;

    public ZstdFrameStream(Stream raw)
    {
        _raw = raw;
        _dctx = LibZstd.CreateDCtx();
        LibZstd.SetParameter(_dctx, LibZstd.DParamWindowLogMax, ZstdSettings.WindowLogMax);
    }

    /// <summary>Uncompressed bytes handed out so far.</summary>
    public long Total { get; private set; }

    /// <summary>Raw bytes read from below past the frame's end; set once the frame has ended.</summary>
    public byte[] Leftover { get; private set; } = [];

    /// <summary>Whether the frame was read to its end (false while it is being read, or when reading stopped early).</summary>
    public bool Ended => _ended;

    public override int Read(Span<byte> buffer)
    {
        ObjectDisposedException.ThrowIf(_dctx == 0, this);
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }
        fixed (byte* inPtr = _input)
        fixed (byte* outPtr = buffer)
        {
            while (true)
            {
                if (_inputPos == _inputSize && !_rawEnded)
                {
                    Fill();
                }
                var input = new LibZstd.InBuffer { Src = inPtr, Size = (nuint)_inputSize, Pos = (nuint)_inputPos };
                var output = new LibZstd.OutBuffer { Dst = outPtr, Size = (nuint)buffer.Length, Pos = 0 };
                nuint result = LibZstd.DecompressStream(_dctx, &output, &input);
                _inputPos = (int)input.Pos;
                if (LibZstd.IsError(result))
                {
                    throw new InvalidDataException(Describe(result));
                }
                int n = (int)output.Pos;
                Total += n;
                if (result == 0)
                {
                    // The frame is decoded and flushed whole (its checksum checked).
                    _ended = true;
                    Leftover = _input.AsSpan(_inputPos, _inputSize - _inputPos).ToArray();
                    return n;
                }
                if (n > 0)
                {
                    return n;
                }
                if (_rawEnded && _inputPos == _inputSize)
                {
                    throw new InvalidDataException($"the zstd stream ends inside its frame (after {Total} bytes of tar): the archive is cut off");
                }
            }
        }
    }

    protected override long Consumed => Total;

    private void Fill()
    {
        int n = _raw.Read(_input);
        _inputPos = 0;
        _inputSize = n;
        if (n == 0)
        {
            _rawEnded = true;
            return;
        }
        int keep = Math.Min(n, _header.Length - _headerCount);
        _input.AsSpan(0, keep).CopyTo(_header.AsSpan(_headerCount));
        _headerCount += keep;
    }

    private string Describe(nuint error)
    {
        if (LibZstd.ErrorCode(error) == LibZstd.ErrorWindowTooLarge)
        {
            string asked = WindowSize(_header.AsSpan(0, _headerCount)) is { } size ? $"a window of {Size(size)}" : "a larger window";
            return $"the zstd frame asks for {asked}, more than the {Size(1L << ZstdSettings.WindowLogMax)} the reader allows (windowLogMax {ZstdSettings.WindowLogMax}): " +
                   "refused before decompressing, so that a crafted frame cannot make the reader's memory grow";
        }
        return $"the zstd stream is damaged after {Total} bytes of tar: {LibZstd.ErrorName(error)}";
    }

    private static string Size(long bytes) => bytes >= 1L << 20 && bytes % (1L << 20) == 0 ? $"{bytes >> 20} MiB" : $"{bytes} bytes";

    /// <summary>
    /// The window a frame header declares (RFC 8878 3.1.1.1): from the Window_Descriptor
    /// (2^(10+Exponent) plus Mantissa eighths of that), or, for a single-segment frame, its
    /// Frame_Content_Size. Null when the header is not all there or not a frame's.
    /// </summary>
    internal static long? WindowSize(ReadOnlySpan<byte> header)
    {
        if (header.Length < 6 || BinaryPrimitives.ReadUInt32LittleEndian(header) != FrameMagic)
        {
            return null;
        }
        byte descriptor = header[4];
        bool singleSegment = (descriptor & 0x20) != 0;
        if (!singleSegment)
        {
            int exponent = header[5] >> 3, mantissa = header[5] & 7;
            long windowBase = 1L << (10 + exponent);
            return windowBase + (windowBase >> 3) * mantissa;
        }
        int dictIdSize = (descriptor & 3) switch { 0 => 0, 1 => 1, 2 => 2, _ => 4 };
        int fcsSize = (descriptor >> 6) switch { 0 => 1, 1 => 2, 2 => 4, _ => 8 };
        int at = 5 + dictIdSize;
        if (header.Length < at + fcsSize)
        {
            return null;
        }
        var fcs = header.Slice(at, fcsSize);
        return fcsSize switch
        {
            1 => fcs[0],
            2 => BinaryPrimitives.ReadUInt16LittleEndian(fcs) + 256,
            4 => BinaryPrimitives.ReadUInt32LittleEndian(fcs),
            _ => (long)Math.Min(BinaryPrimitives.ReadUInt64LittleEndian(fcs), long.MaxValue),
        };
    }

    ~ZstdFrameStream() => Dispose(false);

    protected override void Dispose(bool disposing)
    {
        if (_dctx != 0)
        {
            LibZstd.FreeDCtx(_dctx);
            _dctx = 0;
        }
        base.Dispose(disposing);
    }
}
