using System.Buffers;
using System.Text.Unicode;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Tar;

/// <summary>
/// Writes a POSIX.1-2001 pax archive (ustar blocks plus pax 'x' extended headers,
/// https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html) that GNU tar extracts
/// with every detail we hold: nanosecond times, raw path bytes, 64-bit ids, binary xattrs, and
/// sparse files in GNU pax sparse format 1.0.
/// <para>
/// Streaming with bounded memory: only one entry's headers are built, in reusable buffers, and
/// written with one call; content goes straight from <see cref="WriteData"/> to the stream. The
/// writer never seeks, so the output may be a pipe or a compressor. It is not thread-safe.
/// </para>
/// <para>
/// Sparse files: the caller gives only the segments' bytes; the writer stores them so that GNU
/// tar and contiguous readers agree (see <see cref="GnuSparseMap.Layout"/>), which may widen an
/// interior segment that is not whole 512-byte blocks long into the hole after it. The stored
/// map a reader sees can therefore differ from the caller's; the file's content never does.
/// </para>
/// <para>
/// Every entry gets a pax header, because <c>mtime</c> with nanoseconds is always recorded.
/// <see cref="Dispose"/> does not finish the archive: an archive whose writing was abandoned has
/// no end-of-archive blocks, so readers (ours, GNU tar) can tell it is incomplete.
/// </para>
/// </summary>
public sealed class PaxTarWriter : IDisposable
{
    private const int BlockSize = UstarBlock.Size;

    /// <summary>Zeros for padding and <see cref="WriteZeros"/>; never written to.</summary>
    private static readonly byte[] Zeros = new byte[64 * 1024];

    private readonly Stream _output;
    private readonly bool _leaveOpen;

    // Reused for every entry: the ustar block being built, the pax records, and the whole header
    // sequence ('x' block, records, ustar block, sparse map) that goes out in one write.
    private readonly byte[] _block = new byte[BlockSize];
    private readonly ArrayBufferWriter<byte> _pax = new(4096);
    private readonly ArrayBufferWriter<byte> _header = new(4096);
    private readonly List<DataSegment> _storedMap = [];
    private readonly List<ZeroRun> _zeroRuns = [];

    private long _position;
    private bool _inEntry;
    private long _expected;   // content bytes the caller owes
    private long _written;    // content bytes the caller gave
    private long _stored;     // data bytes written after the headers (caller bytes plus zero runs)
    private int _zeroRunIndex;
    private long _nextZeroRunAt = long.MaxValue;
    private bool _finished;
    private bool _faulted;
    private bool _disposed;

    public PaxTarWriter(Stream output, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (!output.CanWrite)
        {
            throw new ArgumentException("The output stream is not writable.", nameof(output));
        }
        _output = output;
        _leaveOpen = leaveOpen;
    }

    /// <summary>Bytes written to the output so far: the offset in the uncompressed tar stream.</summary>
    public long Position => _position;

    /// <summary>Content bytes the open entry still expects (for a sparse entry: segment bytes); 0 between entries.</summary>
    public long EntryBytesRemaining => _inEntry ? _expected - _written : 0;

    /// <summary>
    /// Writes the headers of one entry: a pax 'x' header, the ustar header, and for a sparse entry
    /// the GNU 1.0 map. Then write exactly the content bytes with <see cref="WriteData"/> and call
    /// <see cref="EndEntry"/>. A header that cannot be written faithfully throws
    /// <see cref="ArgumentException"/> before anything reaches the output.
    /// </summary>
    public void BeginEntry(TarHeader header)
    {
        ArgumentNullException.ThrowIfNull(header);
        ThrowIfUnusable();
        if (_inEntry)
        {
            throw new InvalidOperationException("The previous entry was not ended (EndEntry).");
        }
        TarHeaderValidator.Validate(header);

        var sparse = header.Sparse;
        _header.ResetWrittenCount();
        _pax.ResetWrittenCount();

        // What the archive stores: the content, or for a sparse file the map (part of the data
        // area, so of the stored size) followed by the segments' bytes, laid out for GNU tar.
        long dataLength;
        long storedSize;
        long mapLength = 0;
        if (sparse is not null)
        {
            GnuSparseMap.Layout(sparse, _storedMap, _zeroRuns);
            dataLength = GnuSparseMap.DataLength(sparse);
            mapLength = GnuSparseMap.MeasureMap(_storedMap, header.Size);
            storedSize = mapLength + GnuSparseMap.DataLength(_storedMap);
        }
        else
        {
            _zeroRuns.Clear();
            dataLength = header.Type == TarEntryType.Regular ? header.Size : 0;
            storedSize = dataLength;
        }

        bool nameFits = UstarNames.TryFit(header.Name, out int split);
        bool linkFits = header.LinkName is null || UstarNames.FitsLinkName(header.LinkName);
        AppendPaxRecords(header, nameInPax: sparse is not null || !nameFits, linkInPax: !linkFits, storedSize);

        if (_pax.WrittenCount > 0)
        {
            BuildExtendedHeaderBlock(header);
            _header.Write(_block);
            _header.Write(_pax.WrittenSpan);
            AppendPadding(_header, _pax.WrittenCount);
        }

        BuildUstarBlock(header, nameFits, split, linkFits, storedSize);
        _header.Write(_block);

        if (sparse is not null)
        {
            int written = GnuSparseMap.Append(_header, _storedMap, header.Size);
            if (written != mapLength)
            {
                throw new InvalidOperationException($"sparse map measured {mapLength} bytes, encoded {written}");
            }
        }

        WriteOutput(_header.WrittenSpan);
        _inEntry = true;
        _expected = dataLength;
        _written = 0;
        _stored = 0;
        _zeroRunIndex = 0;
        _nextZeroRunAt = _zeroRuns.Count > 0 ? _zeroRuns[0].At : long.MaxValue;
    }

    /// <summary>
    /// Content bytes, copied straight to the output. For a sparse entry only the bytes of its data
    /// segments, concatenated in order. Offering more than the entry holds throws and writes nothing.
    /// </summary>
    public void WriteData(ReadOnlySpan<byte> data)
    {
        if (!_inEntry)
        {
            throw new InvalidOperationException("No entry is open (BeginEntry).");
        }
        if (data.Length > _expected - _written)
        {
            throw new InvalidOperationException(
                $"The entry holds {_expected} content bytes; {_written} were written and {data.Length} more offered.");
        }
        if (data.Length < _nextZeroRunAt - _written)
        {
            // The hot path: a straight copy (always, for dense entries).
            WriteOutput(data);
            _written += data.Length;
            _stored += data.Length;
            return;
        }
        WriteAcrossZeroRuns(data);
    }

    /// <summary>
    /// Writes <paramref name="count"/> zero content bytes: the stand-in for an unreadable range, or
    /// for the rest of a source that shrank while it was read, so the entry keeps its declared size.
    /// </summary>
    public void WriteZeros(long count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (!_inEntry)
        {
            throw new InvalidOperationException("No entry is open (BeginEntry).");
        }
        if (count > _expected - _written)
        {
            throw new InvalidOperationException(
                $"The entry holds {_expected} content bytes; {_written} were written and {count} more offered.");
        }
        while (count > 0)
        {
            int n = (int)Math.Min(count, Zeros.Length);
            WriteData(Zeros.AsSpan(0, n));
            count -= n;
        }
    }

    /// <summary>
    /// Ends the entry, padding its data to a 512-byte boundary. Throws
    /// <see cref="InvalidOperationException"/> (and leaves the entry open, so the caller can still
    /// complete it) unless exactly the announced number of content bytes was written.
    /// </summary>
    public void EndEntry()
    {
        if (!_inEntry)
        {
            throw new InvalidOperationException("No entry is open (BeginEntry).");
        }
        if (_written != _expected)
        {
            throw new InvalidOperationException(
                $"The entry announced {_expected} content bytes but {_written} were written.");
        }
        int padding = (int)(GnuSparseMap.RoundUp(_stored) - _stored);
        if (padding > 0)
        {
            WriteOutput(Zeros.AsSpan(0, padding));
        }
        _inEntry = false;
    }

    /// <summary>Writes the end-of-archive marker (two zero blocks) and flushes. Calling it again does nothing.</summary>
    public void Finish()
    {
        ThrowIfDisposed();
        if (_finished)
        {
            return;
        }
        if (_faulted)
        {
            throw new InvalidOperationException("An earlier write to the output failed; the archive cannot be finished.");
        }
        if (_inEntry)
        {
            throw new InvalidOperationException("The last entry was not ended (EndEntry).");
        }
        WriteOutput(Zeros.AsSpan(0, 2 * BlockSize));
        _output.Flush();
        _finished = true;
    }

    /// <summary>Closes the output unless it was left open. Does not finish the archive.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_leaveOpen)
        {
            _output.Dispose();
        }
    }

    /// <summary>
    /// The pax records of an entry, in the order GNU tar writes them: hdrcharset first (it governs
    /// the records after it), names, ids, times, then xattrs and our own keywords.
    /// </summary>
    private void AppendPaxRecords(TarHeader header, bool nameInPax, bool linkInPax, long storedSize)
    {
        var sparse = header.Sparse;

        // POSIX: hdrcharset=BINARY says path/linkpath values are raw bytes, not UTF-8. GNU tar 1.34
        // does not know the keyword (it warns "Ignoring unknown extended header keyword") but takes
        // path bytes as they are anyway; libarchive, Python and star honour it.
        if ((nameInPax && !Utf8.IsValid(header.Name)) || (linkInPax && !Utf8.IsValid(header.LinkName)))
        {
            PaxRecord.Append(_pax, PaxKeywords.HeaderCharset, PaxKeywords.Binary);
        }
        if (sparse is not null)
        {
            // GNU sparse 1.0: the real name and size live here; the ustar name and size describe
            // the stored form (map + data) so that a tar without sparse support extracts that.
            PaxRecord.Append(_pax, PaxKeywords.SparseMajor, "1"u8);
            PaxRecord.Append(_pax, PaxKeywords.SparseMinor, "0"u8);
            PaxRecord.Append(_pax, PaxKeywords.SparseName, header.Name);
            PaxRecord.Append(_pax, PaxKeywords.SparseRealSize, header.Size);
        }
        else if (nameInPax)
        {
            PaxRecord.Append(_pax, PaxKeywords.Path, header.Name);
        }
        if (linkInPax)
        {
            PaxRecord.Append(_pax, PaxKeywords.LinkPath, header.LinkName);
        }
        if (storedSize > UstarBlock.MaxOctal11)
        {
            PaxRecord.Append(_pax, PaxKeywords.Size, storedSize);
        }
        if (header.Uid > UstarBlock.MaxOctal7)
        {
            PaxRecord.Append(_pax, PaxKeywords.Uid, header.Uid);
        }
        if (header.Gid > UstarBlock.MaxOctal7)
        {
            PaxRecord.Append(_pax, PaxKeywords.Gid, header.Gid);
        }
        if (header.UserName is not null && !FitsOwnerName(header.UserName))
        {
            PaxRecord.Append(_pax, PaxKeywords.UserName, header.UserName);
        }
        if (header.GroupName is not null && !FitsOwnerName(header.GroupName))
        {
            PaxRecord.Append(_pax, PaxKeywords.GroupName, header.GroupName);
        }

        Span<byte> time = stackalloc byte[PaxTime.MaxLength];
        PaxRecord.Append(_pax, PaxKeywords.ModifiedTime, time[..PaxTime.Format(header.ModifiedTime, time)]);
        if (header.AccessTime is { } atime)
        {
            PaxRecord.Append(_pax, PaxKeywords.AccessTime, time[..PaxTime.Format(atime, time)]);
        }
        if (header.ChangeTime is { } ctime)
        {
            PaxRecord.Append(_pax, PaxKeywords.ChangeTime, time[..PaxTime.Format(ctime, time)]);
        }

        if (IsDevice(header.Type))
        {
            if (header.DevMajor > UstarBlock.MaxOctal7)
            {
                PaxRecord.Append(_pax, PaxKeywords.DevMajor, header.DevMajor);
            }
            if (header.DevMinor > UstarBlock.MaxOctal7)
            {
                PaxRecord.Append(_pax, PaxKeywords.DevMinor, header.DevMinor);
            }
        }

        var xattrs = header.ExtendedAttributes;
        for (int i = 0; i < xattrs.Count; i++)
        {
            PaxRecord.AppendXattr(_pax, xattrs[i].Key, xattrs[i].Value);
        }
        var extras = header.ExtraRecords;
        for (int i = 0; i < extras.Count; i++)
        {
            PaxRecord.Append(_pax, extras[i].Key, extras[i].Value);
        }
    }

    /// <summary>
    /// The 'x' block in front of the records. Its name follows GNU tar ("%d/PaxHeaders/%f"), so a
    /// tar that does not know pax extracts the records as a file out of the way of the real one.
    /// </summary>
    private void BuildExtendedHeaderBlock(TarHeader header)
    {
        var block = _block.AsSpan();
        block.Clear();
        UstarNames.WriteDerived(block, header.Name, UstarNames.PaxHeadersDirectory);
        UstarBlock.WriteOctal(block.Slice(UstarBlock.ModeOffset, UstarBlock.ModeLength), 0b110_100_100);
        UstarBlock.WriteOctal(block.Slice(UstarBlock.UidOffset, UstarBlock.UidLength), 0);
        UstarBlock.WriteOctal(block.Slice(UstarBlock.GidOffset, UstarBlock.GidLength), 0);
        UstarBlock.WriteOctal(block.Slice(UstarBlock.SizeOffset, UstarBlock.SizeLength), _pax.WrittenCount);
        UstarBlock.WriteOctal(block.Slice(UstarBlock.MtimeOffset, UstarBlock.MtimeLength), ClampSeconds(header.ModifiedTime));
        block[UstarBlock.TypeFlagOffset] = UstarBlock.TypePaxExtended;
        UstarBlock.PosixMagicAndVersion.CopyTo(block[UstarBlock.MagicOffset..]);
        UstarBlock.WriteChecksum(block);
    }

    private void BuildUstarBlock(TarHeader header, bool nameFits, int split, bool linkFits, long storedSize)
    {
        var block = _block.AsSpan();
        block.Clear();
        if (header.Sparse is not null)
        {
            UstarNames.WriteDerived(block, header.Name, UstarNames.SparseDirectory);
        }
        else if (nameFits)
        {
            UstarNames.Write(block, header.Name, split);
        }
        else
        {
            UstarNames.WriteFallback(block, header.Name);
        }
        UstarBlock.WriteOctal(block.Slice(UstarBlock.ModeOffset, UstarBlock.ModeLength), header.Mode);
        UstarBlock.WriteOctalOrZero(block.Slice(UstarBlock.UidOffset, UstarBlock.UidLength), header.Uid, UstarBlock.MaxOctal7);
        UstarBlock.WriteOctalOrZero(block.Slice(UstarBlock.GidOffset, UstarBlock.GidLength), header.Gid, UstarBlock.MaxOctal7);
        UstarBlock.WriteOctalOrZero(block.Slice(UstarBlock.SizeOffset, UstarBlock.SizeLength), storedSize, UstarBlock.MaxOctal11);
        UstarBlock.WriteOctal(block.Slice(UstarBlock.MtimeOffset, UstarBlock.MtimeLength), ClampSeconds(header.ModifiedTime));
        block[UstarBlock.TypeFlagOffset] = TypeFlag(header.Type);
        if (header.LinkName is { } link)
        {
            var field = block.Slice(UstarBlock.LinkNameOffset, UstarBlock.LinkNameLength);
            if (linkFits)
            {
                link.CopyTo(field);
            }
            else
            {
                // A linkpath record carries the target; keep a readable ASCII cut here.
                int n = Math.Min(link.Length, field.Length);
                for (int i = 0; i < n; i++)
                {
                    field[i] = link[i] is 0 or >= 0x80 ? (byte)'_' : link[i];
                }
            }
        }
        UstarBlock.PosixMagicAndVersion.CopyTo(block[UstarBlock.MagicOffset..]);
        WriteOwnerName(block.Slice(UstarBlock.UserNameOffset, UstarBlock.UserNameLength), header.UserName);
        WriteOwnerName(block.Slice(UstarBlock.GroupNameOffset, UstarBlock.GroupNameLength), header.GroupName);
        bool device = IsDevice(header.Type);
        UstarBlock.WriteOctalOrZero(block.Slice(UstarBlock.DevMajorOffset, UstarBlock.DevMajorLength), device ? header.DevMajor : 0, UstarBlock.MaxOctal7);
        UstarBlock.WriteOctalOrZero(block.Slice(UstarBlock.DevMinorOffset, UstarBlock.DevMinorLength), device ? header.DevMinor : 0, UstarBlock.MaxOctal7);
        UstarBlock.WriteChecksum(block);
    }

    /// <summary>Copies caller bytes, inserting the zero runs of a widened sparse layout where they fall.</summary>
    private void WriteAcrossZeroRuns(ReadOnlySpan<byte> data)
    {
        while (true)
        {
            int chunk = (int)Math.Min(data.Length, _nextZeroRunAt - _written);
            if (chunk > 0)
            {
                WriteOutput(data[..chunk]);
                _written += chunk;
                _stored += chunk;
                data = data[chunk..];
            }
            if (_written == _nextZeroRunAt)
            {
                long zeros = _zeroRuns[_zeroRunIndex].Count;
                while (zeros > 0)
                {
                    int n = (int)Math.Min(zeros, Zeros.Length);
                    WriteOutput(Zeros.AsSpan(0, n));
                    _stored += n;
                    zeros -= n;
                }
                _zeroRunIndex++;
                _nextZeroRunAt = _zeroRunIndex < _zeroRuns.Count ? _zeroRuns[_zeroRunIndex].At : long.MaxValue;
            }
            if (data.IsEmpty)
            {
                return;
            }
        }
    }

    private static void AppendPadding(ArrayBufferWriter<byte> output, int length)
    {
        int padding = (int)(GnuSparseMap.RoundUp(length) - length);
        if (padding > 0)
        {
            output.GetSpan(padding)[..padding].Clear();
            output.Advance(padding);
        }
    }

    /// <summary>The ustar mtime is whole seconds in 11 octal digits; out of range it is clamped (the pax mtime is exact).</summary>
    private static long ClampSeconds(UnixTime time) => Math.Clamp(time.Seconds, 0, UstarBlock.MaxOctal11);

    /// <summary>uname/gname fit the ustar field when ASCII and at most 31 bytes (the field is NUL-terminated).</summary>
    private static bool FitsOwnerName(string name)
    {
        if (name.Length > UstarBlock.MaxOwnerNameBytes)
        {
            return false;
        }
        foreach (char c in name)
        {
            if (c is '\0' or >= (char)0x80)
            {
                return false;
            }
        }
        return true;
    }

    private static void WriteOwnerName(Span<byte> field, string? name)
    {
        // A name that does not fit is carried by a pax record; the field stays empty rather than
        // holding a wrong name that a non-pax tar would map to some local account.
        if (name is null || !FitsOwnerName(name))
        {
            return;
        }
        for (int i = 0; i < name.Length; i++)
        {
            field[i] = (byte)name[i];
        }
    }

    private static bool IsDevice(TarEntryType type) => type is TarEntryType.CharDevice or TarEntryType.BlockDevice;

    private static byte TypeFlag(TarEntryType type) => type switch
    {
        TarEntryType.Regular => UstarBlock.TypeRegular,
        TarEntryType.HardLink => UstarBlock.TypeHardLink,
        TarEntryType.Symlink => UstarBlock.TypeSymlink,
        TarEntryType.CharDevice => UstarBlock.TypeChar,
        TarEntryType.BlockDevice => UstarBlock.TypeBlock,
        TarEntryType.Directory => UstarBlock.TypeDirectory,
        TarEntryType.Fifo => UstarBlock.TypeFifo,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown entry type"),
    };

    private void WriteOutput(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _output.Write(bytes);
        }
        catch
        {
            // Part of the bytes may have gone out: the archive is no longer consistent.
            _faulted = true;
            throw;
        }
        _position += bytes.Length;
    }

    private void ThrowIfUnusable()
    {
        ThrowIfDisposed();
        if (_faulted)
        {
            throw new InvalidOperationException("An earlier write to the output failed; the archive is incomplete.");
        }
        if (_finished)
        {
            throw new InvalidOperationException("The archive is finished.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
