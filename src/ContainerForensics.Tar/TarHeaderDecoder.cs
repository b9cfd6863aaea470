using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Tar;

/// <summary>
/// Turns a ustar block plus the pax records and GNU long names in front of it into a
/// <see cref="TarHeader"/>. Precedence follows POSIX pax ("pax Extended Header": a record
/// overrides the ustar field; an empty value means the field is used as is), then GNU 'L'/'K'
/// long names, then the ustar fields.
/// </summary>
internal static class TarHeaderDecoder
{
    /// <summary>What the reader needs beyond the header to walk the entry's data.</summary>
    internal readonly record struct Decoded(TarHeader Header, byte TypeFlag, long StoredSize, SparseKind Sparse, List<DataSegment>? SparseMap);

    internal enum SparseKind
    {
        None,

        /// <summary>GNU 1.0: the map is at the start of the data area and still has to be read.</summary>
        MapInData,

        /// <summary>GNU 0.0 / 0.1: the map came from the pax records.</summary>
        MapInHeader,
    }

    public static Decoded Decode(
        ReadOnlySpan<byte> block,
        long blockOffset,
        Dictionary<string, byte[]> records,
        List<KeyValuePair<string, byte[]>> orderedRecords,
        byte[]? longName,
        byte[]? longLink)
    {
        byte typeFlag = block[UstarBlock.TypeFlagOffset];
        bool posixMagic = block.Slice(UstarBlock.MagicOffset, 8).SequenceEqual(UstarBlock.PosixMagicAndVersion)
            || block.Slice(UstarBlock.MagicOffset, 6).SequenceEqual("ustar\0"u8);

        byte[] name = Get(records, PaxKeywords.Path) ?? longName ?? UstarName(block, posixMagic);
        byte[]? link = Get(records, PaxKeywords.LinkPath) ?? longLink ?? NulTerminated(block.Slice(UstarBlock.LinkNameOffset, UstarBlock.LinkNameLength)).ToArray();

        var type = MapType(typeFlag, name, blockOffset);
        if (type is not (TarEntryType.HardLink or TarEntryType.Symlink))
        {
            link = null;
        }

        long size = GetNumber(records, PaxKeywords.Size, blockOffset) ?? Field(block, UstarBlock.SizeOffset, UstarBlock.SizeLength, "size", blockOffset);
        if (size < 0)
        {
            throw new TarFormatException($"negative entry size {size}", blockOffset);
        }
        // Like Go's archive/tar: links, devices, directories and FIFOs carry no data whatever
        // their size field says; only regular (and unknown, per POSIX) types do.
        long storedSize = type == TarEntryType.Regular ? size : 0;

        long uid = GetNumber(records, PaxKeywords.Uid, blockOffset) ?? Field(block, UstarBlock.UidOffset, UstarBlock.UidLength, "uid", blockOffset);
        long gid = GetNumber(records, PaxKeywords.Gid, blockOffset) ?? Field(block, UstarBlock.GidOffset, UstarBlock.GidLength, "gid", blockOffset);
        long mode = Field(block, UstarBlock.ModeOffset, UstarBlock.ModeLength, "mode", blockOffset);
        UnixTime mtime = GetTime(records, PaxKeywords.ModifiedTime, blockOffset)
            ?? new UnixTime(Field(block, UstarBlock.MtimeOffset, UstarBlock.MtimeLength, "mtime", blockOffset), 0);

        bool device = type is TarEntryType.CharDevice or TarEntryType.BlockDevice;
        long major = device ? GetNumber(records, PaxKeywords.DevMajor, blockOffset) ?? Field(block, UstarBlock.DevMajorOffset, UstarBlock.DevMajorLength, "devmajor", blockOffset) : 0;
        long minor = device ? GetNumber(records, PaxKeywords.DevMinor, blockOffset) ?? Field(block, UstarBlock.DevMinorOffset, UstarBlock.DevMinorLength, "devminor", blockOffset) : 0;
        if (uid < 0 || gid < 0 || major is < 0 or > uint.MaxValue || minor is < 0 or > uint.MaxValue)
        {
            throw new TarFormatException("negative or oversized uid, gid or device number", blockOffset);
        }

        var (xattrs, extras) = CollectExtensions(orderedRecords, records);

        long realSize = size;
        var sparseKind = SparseKind.None;
        List<DataSegment>? sparseMap = null;
        if (type == TarEntryType.Regular && HasSparseRecords(records))
        {
            (sparseKind, sparseMap, realSize) = DecodeSparse(records, orderedRecords, blockOffset);
            name = Get(records, PaxKeywords.SparseName) ?? name;
        }

        var header = new TarHeader
        {
            Name = name,
            Type = type,
            Mode = (uint)(mode & 0xFFF),
            Uid = uid,
            Gid = gid,
            UserName = GetString(records, PaxKeywords.UserName) ?? OwnerField(block, UstarBlock.UserNameOffset, UstarBlock.UserNameLength),
            GroupName = GetString(records, PaxKeywords.GroupName) ?? OwnerField(block, UstarBlock.GroupNameOffset, UstarBlock.GroupNameLength),
            Size = type == TarEntryType.Regular ? realSize : 0,
            ModifiedTime = mtime,
            AccessTime = GetTime(records, PaxKeywords.AccessTime, blockOffset),
            ChangeTime = GetTime(records, PaxKeywords.ChangeTime, blockOffset),
            LinkName = link,
            DevMajor = (uint)major,
            DevMinor = (uint)minor,
            ExtendedAttributes = xattrs,
            ExtraRecords = extras,
        };
        return new Decoded(header, typeFlag, storedSize, sparseKind, sparseMap);
    }

    private static TarEntryType MapType(byte typeFlag, byte[] name, long blockOffset) => typeFlag switch
    {
        // A pre-POSIX regular entry whose name ends in '/' is a directory (V7 convention).
        UstarBlock.TypeRegular or UstarBlock.TypeRegularOld when name.Length > 0 && name[^1] == (byte)'/' => TarEntryType.Directory,
        UstarBlock.TypeRegular or UstarBlock.TypeRegularOld or UstarBlock.TypeContiguous => TarEntryType.Regular,
        UstarBlock.TypeHardLink => TarEntryType.HardLink,
        UstarBlock.TypeSymlink => TarEntryType.Symlink,
        UstarBlock.TypeChar => TarEntryType.CharDevice,
        UstarBlock.TypeBlock => TarEntryType.BlockDevice,
        UstarBlock.TypeDirectory => TarEntryType.Directory,
        UstarBlock.TypeFifo => TarEntryType.Fifo,
        // Old GNU sparse keeps its map in header extensions we do not parse; reading its data as a
        // plain file would put bytes at the wrong offsets, so refuse it.
        UstarBlock.TypeGnuOldSparse => throw new TarFormatException("old GNU sparse entry (type 'S') is not supported", blockOffset),
        // POSIX: "a reader shall treat an unrecognized typeflag as a regular file".
        _ => TarEntryType.Regular,
    };

    private static bool HasSparseRecords(Dictionary<string, byte[]> records) =>
        records.ContainsKey(PaxKeywords.SparseMajor) || records.ContainsKey(PaxKeywords.SparseMap)
        || records.ContainsKey(PaxKeywords.SparseOffset) || records.ContainsKey(PaxKeywords.SparseSize);

    private static (SparseKind, List<DataSegment>?, long) DecodeSparse(
        Dictionary<string, byte[]> records, List<KeyValuePair<string, byte[]>> orderedRecords, long blockOffset)
    {
        string? major = GetString(records, PaxKeywords.SparseMajor);
        string? minor = GetString(records, PaxKeywords.SparseMinor);
        if (major is not null && major != "0")
        {
            if (major != "1" || minor != "0")
            {
                throw new TarFormatException($"GNU sparse format {major}.{minor} is not supported", blockOffset);
            }
            long realSize = GetNumber(records, PaxKeywords.SparseRealSize, blockOffset)
                ?? throw new TarFormatException("GNU sparse 1.0 entry without GNU.sparse.realsize", blockOffset);
            return (SparseKind.MapInData, null, realSize);
        }
        long size = GetNumber(records, PaxKeywords.SparseSize, blockOffset)
            ?? GetNumber(records, PaxKeywords.SparseRealSize, blockOffset)
            ?? throw new TarFormatException("GNU sparse 0.x entry without GNU.sparse.size", blockOffset);
        var map = Get(records, PaxKeywords.SparseMap) is { } text
            ? GnuSparseMapReader.ParseVersion01(text, blockOffset)
            : GnuSparseMapReader.ParseVersion00(orderedRecords, blockOffset) ?? [];
        return (SparseKind.MapInHeader, map, size);
    }

    /// <summary>SCHILY.xattr.* records in order (a later one replaces an earlier one of the same name), and the keywords we do not interpret.</summary>
    private static (IReadOnlyList<KeyValuePair<string, byte[]>>, IReadOnlyList<KeyValuePair<string, string>>) CollectExtensions(
        List<KeyValuePair<string, byte[]>> orderedRecords, Dictionary<string, byte[]> records)
    {
        List<KeyValuePair<string, byte[]>>? xattrs = null;
        List<KeyValuePair<string, string>>? extras = null;
        foreach (var (key, _) in orderedRecords)
        {
            if (!records.TryGetValue(key, out byte[]? value))
            {
                continue;
            }
            if (key.StartsWith(PaxKeywords.XattrPrefix, StringComparison.Ordinal))
            {
                xattrs ??= [];
                string name = PaxKeywords.DecodeXattrName(key[PaxKeywords.XattrPrefix.Length..]);
                int existing = xattrs.FindIndex(x => x.Key == name);
                if (existing >= 0)
                {
                    xattrs.RemoveAt(existing);
                }
                xattrs.Add(new KeyValuePair<string, byte[]>(name, value));
            }
            else if (!PaxKeywords.IsReserved(key) && value.Length > 0)
            {
                extras ??= [];
                int existing = extras.FindIndex(x => x.Key == key);
                if (existing >= 0)
                {
                    extras.RemoveAt(existing);
                }
                extras.Add(new KeyValuePair<string, string>(key, Encoding.UTF8.GetString(value)));
            }
        }
        return (xattrs is null ? [] : xattrs, extras is null ? [] : extras);
    }

    /// <summary>POSIX ustar: the path is prefix '/' name when the prefix is set. Pre-POSIX GNU headers use that area for other fields.</summary>
    private static byte[] UstarName(ReadOnlySpan<byte> block, bool posixMagic)
    {
        var name = NulTerminated(block.Slice(UstarBlock.NameOffset, UstarBlock.NameLength));
        var prefix = posixMagic ? NulTerminated(block.Slice(UstarBlock.PrefixOffset, UstarBlock.PrefixLength)) : default;
        if (prefix.IsEmpty)
        {
            return name.ToArray();
        }
        var full = new byte[prefix.Length + 1 + name.Length];
        prefix.CopyTo(full);
        full[prefix.Length] = (byte)'/';
        name.CopyTo(full.AsSpan(prefix.Length + 1));
        return full;
    }

    private static ReadOnlySpan<byte> NulTerminated(ReadOnlySpan<byte> field)
    {
        int nul = field.IndexOf((byte)0);
        return nul >= 0 ? field[..nul] : field;
    }

    private static string? OwnerField(ReadOnlySpan<byte> block, int offset, int length)
    {
        var bytes = NulTerminated(block.Slice(offset, length));
        return bytes.IsEmpty ? null : Encoding.UTF8.GetString(bytes);
    }

    private static long Field(ReadOnlySpan<byte> block, int offset, int length, string what, long blockOffset) =>
        UstarBlock.TryParseNumber(block.Slice(offset, length), out long value)
            ? value
            : throw new TarFormatException($"ustar {what} field is not a number", blockOffset + offset);

    /// <summary>A record's raw value; an empty value counts as absent (POSIX: it cancels the keyword).</summary>
    private static byte[]? Get(Dictionary<string, byte[]> records, string keyword) =>
        records.TryGetValue(keyword, out byte[]? value) && value.Length > 0 ? value : null;

    private static string? GetString(Dictionary<string, byte[]> records, string keyword) =>
        Get(records, keyword) is { } value ? Encoding.UTF8.GetString(value) : null;

    private static long? GetNumber(Dictionary<string, byte[]> records, string keyword, long blockOffset)
    {
        if (Get(records, keyword) is not { } value)
        {
            return null;
        }
        long result = 0;
        foreach (byte b in value)
        {
            if (!DecimalDigits.TryAppend(ref result, b))
            {
                throw new TarFormatException($"pax record {keyword} is not a decimal number", blockOffset);
            }
        }
        return result;
    }

    private static UnixTime? GetTime(Dictionary<string, byte[]> records, string keyword, long blockOffset)
    {
        if (Get(records, keyword) is not { } value)
        {
            return null;
        }
        return PaxTime.TryParse(value, out var time)
            ? time
            : throw new TarFormatException($"pax record {keyword} is not a time", blockOffset);
    }
}
