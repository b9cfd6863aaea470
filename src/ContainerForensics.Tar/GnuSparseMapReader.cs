using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Tar;

/// <summary>
/// Reads GNU sparse data maps: format 1.0 from the start of the entry's data area, formats 0.0
/// and 0.1 from pax records (GNU tar manual, "Storing Sparse Files"). Every map is checked
/// against the entry — sorted, not overlapping, inside the real size — because ReadLogical
/// trusts it to place bytes.
/// </summary>
internal static class GnuSparseMapReader
{
    /// <summary>
    /// Reads a 1.0 map ("count\n" then "offset\nsize\n" pairs, NUL-padded to 512) from the input,
    /// consuming whole blocks. Returns the segments as stored (zero-length ones included) and how
    /// many bytes of the data area the map took.
    /// </summary>
    public static List<DataSegment> ReadVersion1(TarInput input, long storedSize, out long mapBytes)
    {
        long start = input.Position;
        Span<byte> block = stackalloc byte[UstarBlock.Size];
        int pos = block.Length;
        long consumed = 0;

        long ReadNumber(Span<byte> block)
        {
            long value = 0;
            int digits = 0;
            while (true)
            {
                if (pos == block.Length)
                {
                    if (consumed + UstarBlock.Size > storedSize)
                    {
                        throw new TarFormatException("GNU sparse 1.0 map runs past the entry's data", start + consumed);
                    }
                    input.ReadExactly(block, "a GNU sparse map");
                    consumed += UstarBlock.Size;
                    pos = 0;
                }
                byte b = block[pos++];
                if (b == (byte)'\n' && digits > 0)
                {
                    return value;
                }
                if (!DecimalDigits.TryAppend(ref value, b))
                {
                    throw new TarFormatException("GNU sparse 1.0 map holds something other than decimal numbers", start + consumed - block.Length + pos - 1);
                }
                digits++;
            }
        }

        long count = ReadNumber(block);
        // Each segment takes at least four map bytes ("0\n0\n"): a count beyond that is a lie, and
        // the list grows only as numbers really arrive, so a hostile count cannot exhaust memory.
        if (count > storedSize / 4)
        {
            throw new TarFormatException($"GNU sparse 1.0 map claims {count} segments in a {storedSize}-byte entry", start);
        }
        var segments = new List<DataSegment>((int)Math.Min(count, 1024));
        for (long i = 0; i < count; i++)
        {
            long offset = ReadNumber(block);
            long length = ReadNumber(block);
            segments.Add(new DataSegment(offset, length));
        }
        mapBytes = consumed;
        return segments;
    }

    /// <summary>Format 0.1: GNU.sparse.map = "offset,size,offset,size,...".</summary>
    public static List<DataSegment> ParseVersion01(byte[] map, long headerOffset)
    {
        var segments = new List<DataSegment>();
        if (map.Length == 0)
        {
            return segments;
        }
        string[] parts = Encoding.ASCII.GetString(map).Split(',');
        if (parts.Length % 2 != 0)
        {
            throw new TarFormatException("GNU.sparse.map has an odd number of values", headerOffset);
        }
        for (int i = 0; i < parts.Length; i += 2)
        {
            segments.Add(new DataSegment(ParseLong(parts[i], headerOffset), ParseLong(parts[i + 1], headerOffset)));
        }
        return segments;
    }

    /// <summary>Format 0.0: repeated GNU.sparse.offset / GNU.sparse.numbytes records, in order.</summary>
    public static List<DataSegment>? ParseVersion00(List<KeyValuePair<string, byte[]>> records, long headerOffset)
    {
        List<DataSegment>? segments = null;
        long? offset = null;
        foreach (var (key, value) in records)
        {
            if (key == PaxKeywords.SparseOffset)
            {
                offset = ParseLong(Encoding.ASCII.GetString(value), headerOffset);
            }
            else if (key == PaxKeywords.SparseNumBytes)
            {
                if (offset is null)
                {
                    throw new TarFormatException("GNU.sparse.numbytes without GNU.sparse.offset", headerOffset);
                }
                (segments ??= []).Add(new DataSegment(offset.Value, ParseLong(Encoding.ASCII.GetString(value), headerOffset)));
                offset = null;
            }
        }
        return segments;
    }

    /// <summary>
    /// Checks the map against the entry and returns its non-empty segments: zero-length ones are
    /// only GNU's end marker (see <see cref="GnuSparseMap.Append"/>) and carry no data.
    /// </summary>
    public static DataSegment[] Validate(List<DataSegment> segments, long realSize, long storedData, long headerOffset)
    {
        long previousEnd = 0;
        long sum = 0;
        int nonEmpty = 0;
        foreach (var segment in segments)
        {
            if (segment.Offset < 0 || segment.Length < 0 || segment.Offset < previousEnd || segment.Length > realSize - segment.Offset)
            {
                throw new TarFormatException(
                    $"GNU sparse segment {segment.Offset}+{segment.Length} is unsorted, overlapping or outside the real size {realSize}", headerOffset);
            }
            if (segment.Length > 0)
            {
                previousEnd = segment.End;
                sum += segment.Length;
                nonEmpty++;
            }
        }
        if (sum != storedData)
        {
            throw new TarFormatException($"GNU sparse map describes {sum} data bytes but the entry stores {storedData}", headerOffset);
        }
        var result = new DataSegment[nonEmpty];
        int j = 0;
        foreach (var segment in segments)
        {
            if (segment.Length > 0)
            {
                result[j++] = segment;
            }
        }
        return result;
    }

    private static long ParseLong(string text, long headerOffset) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out long value)
            ? value
            : throw new TarFormatException($"GNU sparse value '{text}' is not a decimal number", headerOffset);
}
