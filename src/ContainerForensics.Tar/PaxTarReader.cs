using System.Collections.ObjectModel;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Tar;

/// <summary>
/// Reads pax (POSIX.1-2001) and ustar archives as <see cref="PaxTarWriter"/> and GNU tar
/// (<c>--format=posix</c>, also GNU 'L'/'K' long names) write them, from a stream that need not
/// seek. Built for verifying evidence archives, so it is strict: a bad checksum, a malformed pax
/// record, or an input that ends anywhere before the end-of-archive marker (two zero blocks)
/// throws <see cref="TarFormatException"/>; a cut-off archive never looks like a clean end.
/// </summary>
public sealed class PaxTarReader : IDisposable
{
    /// <summary>
    /// Largest pax or GNU long-name header we hold in memory. Linux caps one xattr value at 64 KiB
    /// and a path at 4 KiB; 16 MiB leaves room for many xattrs while a hostile header cannot
    /// exhaust memory.
    /// </summary>
    public const int MaxMetadataHeaderSize = 16 * 1024 * 1024;

    /// <summary>
    /// Most metadata held at once: the extended headers before one entry, and the global ones of
    /// the whole archive, each. One header is capped above; a run of many is capped here, so a
    /// hostile archive of endless 'x' or 'g' headers cannot grow memory either.
    /// </summary>
    public const int MaxMetadataHeld = 4 * MaxMetadataHeaderSize;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly TarInput _input;
    private readonly byte[] _block = new byte[UstarBlock.Size];
    private readonly List<KeyValuePair<string, byte[]>> _globalRecords = [];
    private readonly List<KeyValuePair<string, byte[]>> _entryRecords = [];
    private byte[] _metadata = new byte[4096];
    private long _globalBytes;

    private TarReadEntry? _current;
    private long _dataRemaining;
    private long _padding;

    // Sparse entries: non-empty segments, the next one to reach, and the logical read position.
    private DataSegment[]? _segments;
    private int _segmentIndex;
    private long _logicalPosition;
    private long _logicalSize;

    private bool _ended;
    private TarFormatException? _failure;
    private bool _disposed;

    public PaxTarReader(Stream input, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!input.CanRead)
        {
            throw new ArgumentException("The input stream is not readable.", nameof(input));
        }
        _stream = input;
        _leaveOpen = leaveOpen;
        _input = new TarInput(input);
    }

    /// <summary>Offset in the tar stream of the next unread byte.</summary>
    public long Position => _input.Position;

    /// <summary>
    /// Moves to the next entry, skipping what was not read of the previous one. Returns null at the
    /// end-of-archive marker; throws <see cref="TarFormatException"/> for a malformed or cut-off archive.
    /// </summary>
    public TarReadEntry? Next()
    {
        ThrowIfUnusable();
        if (_ended)
        {
            return null;
        }
        try
        {
            return ReadNext();
        }
        catch (TarFormatException ex)
        {
            _failure = ex;
            throw;
        }
    }

    /// <summary>
    /// Reads the current entry's logical content: for a sparse entry holes come back as zeros, so
    /// the bytes are those of the original file. Returns 0 at the end of the content.
    /// </summary>
    public int ReadLogical(Span<byte> buffer)
    {
        ThrowIfUnusable();
        if (_current is null || buffer.IsEmpty)
        {
            return 0;
        }
        try
        {
            return _segments is null ? ReadStored(buffer) : ReadSparse(buffer);
        }
        catch (TarFormatException ex)
        {
            _failure = ex;
            throw;
        }
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_leaveOpen)
        {
            _stream.Dispose();
        }
    }

    private TarReadEntry? ReadNext()
    {
        if (_current is not null)
        {
            _input.Skip(_dataRemaining + _padding, "the data of the previous entry");
            _current = null;
            _segments = null;
        }

        _entryRecords.Clear();
        byte[]? longName = null;
        byte[]? longLink = null;
        long headerOffset = -1;
        bool pending = false;  // a pax 'x' or GNU 'L'/'K' header waits for its entry
        long entryBytes = 0;

        while (true)
        {
            long blockOffset = _input.Position;
            if (!_input.TryReadBlock(_block, "a header block"))
            {
                throw new TarFormatException(pending
                    ? "archive ends after an extended header, before the entry it describes"
                    : "archive ends without the end-of-archive marker (two zero blocks): it was cut off", blockOffset);
            }
            if (UstarBlock.IsZero(_block))
            {
                if (pending)
                {
                    throw new TarFormatException("zero block where the entry of an extended header should be", blockOffset);
                }
                if (!_input.TryReadBlock(_block, "the end-of-archive marker"))
                {
                    throw new TarFormatException("archive ends after one zero block; the end-of-archive marker is two: it was cut off", blockOffset);
                }
                if (!UstarBlock.IsZero(_block))
                {
                    throw new TarFormatException("a single zero block between entries", blockOffset);
                }
                _ended = true;
                return null;
            }
            VerifyChecksum(blockOffset);
            if (headerOffset < 0)
            {
                headerOffset = blockOffset;
            }

            byte typeFlag = _block[UstarBlock.TypeFlagOffset];
            switch (typeFlag)
            {
                case UstarBlock.TypePaxExtended or UstarBlock.TypeSolarisExtended:
                    var extended = ReadMetadata(blockOffset, out long dataOffset);
                    entryBytes = Held(entryBytes, extended.Length, "before one entry", blockOffset);
                    PaxHeaderParser.Parse(extended, dataOffset, _entryRecords);
                    pending = true;
                    continue;
                case UstarBlock.TypePaxGlobal:
                    // Global records apply to every entry after them (POSIX pax 'g'); the header
                    // itself belongs to no entry.
                    var global = new List<KeyValuePair<string, byte[]>>();
                    var globalHeader = ReadMetadata(blockOffset, out long globalOffset);
                    _globalBytes = Held(_globalBytes, globalHeader.Length, "in global headers", blockOffset);
                    PaxHeaderParser.Parse(globalHeader, globalOffset, global);
                    _globalRecords.AddRange(global);
                    if (!pending)
                    {
                        headerOffset = -1;
                    }
                    continue;
                case UstarBlock.TypeGnuLongName:
                    longName = UntilNul(ReadMetadata(blockOffset, out _));
                    entryBytes = Held(entryBytes, longName.Length, "before one entry", blockOffset);
                    pending = true;
                    continue;
                case UstarBlock.TypeGnuLongLink:
                    longLink = UntilNul(ReadMetadata(blockOffset, out _));
                    entryBytes = Held(entryBytes, longLink.Length, "before one entry", blockOffset);
                    pending = true;
                    continue;
            }
            return BeginEntry(blockOffset, headerOffset, longName, longLink);
        }
    }

    private TarReadEntry BeginEntry(long blockOffset, long headerOffset, byte[]? longName, byte[]? longLink)
    {
        // Effective records: globals, overridden by the entry's own; in order for xattrs and 0.0 maps.
        var ordered = new List<KeyValuePair<string, byte[]>>(_globalRecords.Count + _entryRecords.Count);
        ordered.AddRange(_globalRecords);
        ordered.AddRange(_entryRecords);
        var records = new Dictionary<string, byte[]>(ordered.Count, StringComparer.Ordinal);
        foreach (var (key, value) in ordered)
        {
            records[key] = value;
        }

        var decoded = TarHeaderDecoder.Decode(_block, blockOffset, records, ordered, longName, longLink);
        long dataOffset = _input.Position;
        long stored = decoded.StoredSize;
        _padding = GnuSparseMap.RoundUp(stored) - stored;
        _dataRemaining = stored;
        var header = decoded.Header;

        if (decoded.Sparse != TarHeaderDecoder.SparseKind.None)
        {
            var map = decoded.SparseMap;
            if (decoded.Sparse == TarHeaderDecoder.SparseKind.MapInData)
            {
                map = GnuSparseMapReader.ReadVersion1(_input, stored, out long mapBytes);
                _dataRemaining = stored - mapBytes;
            }
            _segments = GnuSparseMapReader.Validate(map!, header.Size, _dataRemaining, blockOffset);
            _segmentIndex = 0;
            _logicalPosition = 0;
            _logicalSize = header.Size;
            header = header with { Sparse = Array.AsReadOnly(_segments) };
        }

        _current = new TarReadEntry
        {
            Header = header,
            HeaderOffset = headerOffset,
            DataOffset = dataOffset,
            StoredSize = stored,
            TypeFlag = decoded.TypeFlag,
            PaxRecords = new ReadOnlyDictionary<string, byte[]>(records),
        };
        return _current;
    }

    private int ReadStored(Span<byte> buffer)
    {
        if (_dataRemaining == 0)
        {
            return 0;
        }
        long start = _input.Position;
        int n = _input.ReadAtMost(buffer[..(int)Math.Min(buffer.Length, _dataRemaining)]);
        if (n == 0)
        {
            throw new TarFormatException($"archive cut off inside the data of '{Describe()}': {_dataRemaining} bytes missing", start);
        }
        _dataRemaining -= n;
        return n;
    }

    private int ReadSparse(Span<byte> buffer)
    {
        if (_logicalPosition >= _logicalSize)
        {
            return 0;
        }
        var segments = _segments!;
        while (_segmentIndex < segments.Length && segments[_segmentIndex].End <= _logicalPosition)
        {
            _segmentIndex++;
        }
        long nextData = _segmentIndex < segments.Length ? segments[_segmentIndex].Offset : _logicalSize;
        if (_logicalPosition < nextData)
        {
            int zeros = (int)Math.Min(buffer.Length, nextData - _logicalPosition);
            buffer[..zeros].Clear();
            _logicalPosition += zeros;
            return zeros;
        }
        long inSegment = segments[_segmentIndex].End - _logicalPosition;
        int n = ReadStored(buffer[..(int)Math.Min(buffer.Length, inSegment)]);
        _logicalPosition += n;
        return n;
    }

    private static long Held(long held, int more, string where, long blockOffset) =>
        held + more <= MaxMetadataHeld
            ? held + more
            : throw new TarFormatException($"more than {MaxMetadataHeld} bytes of extended headers {where}", blockOffset);

    /// <summary>Reads the data of a pax or GNU long-name header (bounded) and its padding.</summary>
    private ReadOnlySpan<byte> ReadMetadata(long blockOffset, out long dataOffset)
    {
        if (!UstarBlock.TryParseNumber(_block.AsSpan(UstarBlock.SizeOffset, UstarBlock.SizeLength), out long size) || size < 0)
        {
            throw new TarFormatException("extended header size field is not a number", blockOffset + UstarBlock.SizeOffset);
        }
        if (size > MaxMetadataHeaderSize)
        {
            throw new TarFormatException($"extended header of {size} bytes exceeds the {MaxMetadataHeaderSize}-byte limit", blockOffset);
        }
        dataOffset = _input.Position;
        int padded = (int)GnuSparseMap.RoundUp(size);
        if (_metadata.Length < padded)
        {
            _metadata = new byte[Math.Max(padded, _metadata.Length * 2)];
        }
        _input.ReadExactly(_metadata.AsSpan(0, padded), "an extended header");
        return _metadata.AsSpan(0, (int)size);
    }

    private void VerifyChecksum(long blockOffset)
    {
        var field = _block.AsSpan(UstarBlock.ChecksumOffset, UstarBlock.ChecksumLength);
        if (!UstarBlock.TryParseNumber(field, out long stored)
            || (stored != UstarBlock.ComputeChecksum(_block) && stored != UstarBlock.ComputeSignedChecksum(_block)))
        {
            throw new TarFormatException("header checksum mismatch (not a tar header, or a damaged one)", blockOffset);
        }
    }

    private static byte[] UntilNul(ReadOnlySpan<byte> data)
    {
        int nul = data.IndexOf((byte)0);
        return (nul >= 0 ? data[..nul] : data).ToArray();
    }

    private string Describe() => _current is null ? "" : System.Text.Encoding.UTF8.GetString(_current.Header.Name);

    private void ThrowIfUnusable()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_failure is not null)
        {
            throw new TarFormatException($"the archive was found malformed earlier: {_failure.Message}", _failure);
        }
    }
}
