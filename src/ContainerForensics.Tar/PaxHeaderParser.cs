using System.Text;

namespace ContainerForensics.Tar;

/// <summary>
/// Splits the data of a pax 'x' or 'g' header into its records, strictly by their length
/// prefixes (POSIX pax, "pax Extended Header"), so values may hold newlines and binary bytes.
/// </summary>
internal static class PaxHeaderParser
{
    /// <summary>
    /// Appends the records of <paramref name="data"/> in order. Trailing NUL bytes are tolerated
    /// (some writers count padding in the header size); anything else malformed throws
    /// <see cref="TarFormatException"/> with the record's offset in the tar stream.
    /// </summary>
    public static void Parse(ReadOnlySpan<byte> data, long dataOffset, List<KeyValuePair<string, byte[]>> records)
    {
        int offset = 0;
        while (offset < data.Length)
        {
            if (!data[offset..].ContainsAnyExcept((byte)0))
            {
                return;
            }
            int recordStart = offset;
            if (!PaxRecord.TryParse(data, ref offset, out var keyword, out var value, out string? error))
            {
                throw new TarFormatException($"bad pax record: {error}", dataOffset + recordStart);
            }
            // Keywords are UTF-8 (POSIX); a non-UTF-8 xattr name survives as U+FFFD, the raw value stays exact.
            string key = Encoding.UTF8.GetString(data[keyword]);
            records.Add(new KeyValuePair<string, byte[]>(key, data[value].ToArray()));
        }
    }
}
