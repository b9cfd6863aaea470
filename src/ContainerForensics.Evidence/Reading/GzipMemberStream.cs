using System.Buffers.Binary;
using System.IO.Compression;
using ContainerForensics.Core.IO;
using ContainerForensics.Evidence.Output;

namespace ContainerForensics.Evidence.Reading;

/// <summary>
/// Exactly one gzip member (RFC 1952) of the raw input, decompressed: its header parsed here,
/// its deflate data (RFC 1951) inflated by zlib, and its trailer (CRC-32, ISIZE) checked here.
/// GZipStream cannot be used: it goes on into any member that follows, and reads an input cut
/// inside the trailer as a clean end. The member's end is known only to zlib, which does not
/// say how much of the input it left unread (.NET 10 keeps avail_in internal), so the trailer is
/// found by its content: zlib asks for input only when it has used all it was given, so the
/// deflate data ends inside the last chunk it read, and the trailer is the first place from
/// there holding the CRC-32 and length of what came out. The raw bytes read past the trailer are
/// kept in <see cref="Leftover"/> for whoever looks at what follows the archive.
/// </summary>
internal sealed class GzipMemberStream : SyncReadOnlyStream
{
    private const int MaxHeaderField = 1 << 16;
    private const byte FlagHcrc = 0x02, FlagExtra = 0x04, FlagName = 0x08, FlagComment = 0x10, FlagReserved = 0xE0;

    private readonly Stream _raw;
    private readonly EdgeStream _edge;
    private readonly DeflateStream _inflate;
    private uint _crc;
    private bool _ended;

    public GzipMemberStream(Stream raw)
    {
        _raw = raw;
        ReadHeader();
        _edge = new EdgeStream(raw);
        _inflate = new DeflateStream(_edge, CompressionMode.Decompress, leaveOpen: true);
    }

    /// <summary>Uncompressed bytes handed out so far.</summary>
    public long Total { get; private set; }

    /// <summary>Raw bytes read from below past the member's trailer; set once the member has ended.</summary>
    public byte[] Leftover { get; private set; } = [];

    /// <summary>Whether the member was read to its trailer (false while it is being read, or when reading stopped early).</summary>
    public bool Ended => _ended;

    public override int Read(Span<byte> buffer)
    {
        if (_ended || buffer.IsEmpty)
        {
            return 0;
        }
        int n = _inflate.Read(buffer);
        if (n > 0)
        {
            _crc = Crc32.Append(_crc, buffer[..n]);
            Total += n;
            return n;
        }
        FindTrailer();
        _ended = true;
        return 0;
    }

    protected override long Consumed => Total;

    private void FindTrailer()
    {
        Span<byte> trailer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32LittleEndian(trailer, _crc);
        BinaryPrimitives.WriteUInt32LittleEndian(trailer[4..], (uint)Total);
        var last = _edge.LastChunk;
        var window = new byte[last.Length + trailer.Length];
        last.CopyTo(window);
        int more = _edge.Ended ? 0 : _raw.ReadAtLeast(window.AsSpan(last.Length), trailer.Length, throwOnEndOfStream: false);

        var seen = window.AsSpan(0, last.Length + more);
        int at = seen.IndexOf(trailer);
        if (at < 0)
        {
            // zlib asked for more input only if its data was not complete; otherwise where the data
            // ended is unknown here, so a trailer cut short and a changed one read the same.
            throw new InvalidDataException(_edge.Ended
                ? $"the gzip stream ends inside its compressed data (after {Total} bytes of tar): the archive is cut off"
                : $"the gzip trailer is cut off or does not hold the CRC-32 {_crc:x8} and length {Total} of the data: the archive is cut off or damaged");
        }
        Leftover = seen[(at + trailer.Length)..].ToArray();
    }

    /// <summary>The 10-byte header and its optional fields (RFC 1952, 2.3.1); only CM 8 (deflate) exists.</summary>
    private void ReadHeader()
    {
        var header = new List<byte>(32);
        byte Next()
        {
            int b = _raw.ReadByte();
            if (b < 0)
            {
                throw new InvalidDataException("the gzip stream ends inside its header: the archive is cut off");
            }
            header.Add((byte)b);
            return (byte)b;
        }
        if (Next() != 0x1F || Next() != 0x8B)
        {
            throw new InvalidDataException("not a gzip stream");
        }
        if (Next() != 8)
        {
            throw new InvalidDataException($"gzip compression method {header[2]} is not deflate");
        }
        byte flags = Next();
        if ((flags & FlagReserved) != 0)
        {
            throw new InvalidDataException($"the gzip header has reserved flag bits set ({flags:x2})");
        }
        for (int i = 0; i < 6; i++)
        {
            Next(); // MTIME, XFL, OS
        }
        if ((flags & FlagExtra) != 0)
        {
            int xlen = Next() | (Next() << 8);
            for (int i = 0; i < xlen; i++)
            {
                Next();
            }
        }
        foreach (byte field in new[] { FlagName, FlagComment })
        {
            if ((flags & field) == 0)
            {
                continue;
            }
            int length = 0;
            while (Next() != 0)
            {
                if (++length > MaxHeaderField)
                {
                    throw new InvalidDataException($"the gzip header's {(field == FlagName ? "name" : "comment")} is longer than {MaxHeaderField} bytes");
                }
            }
        }
        if ((flags & FlagHcrc) != 0)
        {
            ushort expected = (ushort)Crc32.Append(0, System.Runtime.InteropServices.CollectionsMarshal.AsSpan(header));
            ushort stored = (ushort)(Next() | (Next() << 8));
            if (stored != expected)
            {
                throw new InvalidDataException($"the gzip header's CRC-16 is {stored:x4}, its bytes give {expected:x4}");
            }
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inflate.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Hands the raw input to zlib and remembers the last chunk it took.</summary>
    private sealed class EdgeStream(Stream raw) : SyncReadOnlyStream
    {
        private byte[] _last = [];
        private int _lastCount;

        public ReadOnlySpan<byte> LastChunk => _last.AsSpan(0, _lastCount);

        /// <summary>The raw input has ended.</summary>
        public bool Ended { get; private set; }

        public override int Read(Span<byte> buffer)
        {
            int n = raw.Read(buffer);
            if (n == 0)
            {
                Ended = true; // the previous chunk stays: zlib's unused input, if any, is in it
                return 0;
            }
            if (_last.Length < n)
            {
                _last = new byte[n];
            }
            buffer[..n].CopyTo(_last);
            _lastCount = n;
            return n;
        }
    }
}
