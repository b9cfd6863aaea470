using System.Buffers;
using System.Globalization;
using System.Text;

namespace ContainerForensics.Tar;

/// <summary>
/// One pax extended-header record, <c>"%d %s=%s\n"</c> (POSIX.1-2001 pax, "pax Extended Header"):
/// https://pubs.opengroup.org/onlinepubs/9699919799/utilities/pax.html#tag_20_92_13_03
/// The leading decimal length counts the whole record, its own digits included, so values may
/// hold any byte (binary xattrs, newlines): a reader splits records by length, never by '\n'.
/// </summary>
internal static class PaxRecord
{
    /// <summary>Strict: a string with a lone surrogate is refused rather than written as '?'.</summary>
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Length of the whole record for a keyword and value of these sizes. The length includes its
    /// own digits, so adding them can roll the count over to one more digit (a body of 98 bytes
    /// needs "101", not "100"); adding a digit can only happen once.
    /// </summary>
    public static int RecordLength(int keywordBytes, int valueBytes)
    {
        long body = (long)keywordBytes + valueBytes + 3; // ' ', '=', '\n'
        int digits = CountDigits(body);
        long total = body + digits;
        if (CountDigits(total) > digits)
        {
            total++;
        }
        if (total > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(nameof(valueBytes), "pax record larger than 2 GiB");
        }
        return (int)total;
    }

    /// <summary>Appends one record, encoding keyword and value as UTF-8 straight into the output (no temporary strings).</summary>
    public static void Append(ArrayBufferWriter<byte> output, string keyword, string value)
    {
        int keywordBytes = Utf8.GetByteCount(keyword);
        int valueBytes = Utf8.GetByteCount(value);
        int length = RecordLength(keywordBytes, valueBytes);
        var span = output.GetSpan(length);
        int n = WriteLengthAndSpace(span, length);
        n += Utf8.GetBytes(keyword, span[n..]);
        span[n++] = (byte)'=';
        n += Utf8.GetBytes(value, span[n..]);
        span[n++] = (byte)'\n';
        output.Advance(Check(n, length));
    }

    /// <summary>Appends one record whose value is raw bytes (a binary xattr, a non-UTF-8 path).</summary>
    public static void Append(ArrayBufferWriter<byte> output, string keyword, ReadOnlySpan<byte> value)
    {
        int keywordBytes = Utf8.GetByteCount(keyword);
        int length = RecordLength(keywordBytes, value.Length);
        var span = output.GetSpan(length);
        int n = WriteLengthAndSpace(span, length);
        n += Utf8.GetBytes(keyword, span[n..]);
        span[n++] = (byte)'=';
        value.CopyTo(span[n..]);
        n += value.Length;
        span[n++] = (byte)'\n';
        output.Advance(Check(n, length));
    }

    /// <summary>
    /// Appends <c>SCHILY.xattr.&lt;name&gt;=&lt;raw value&gt;</c>, escaping '%' and '=' in the name as GNU
    /// tar does (see <see cref="PaxKeywords.EncodeXattrName"/>), without building the keyword string.
    /// </summary>
    public static void AppendXattr(ArrayBufferWriter<byte> output, string name, ReadOnlySpan<byte> value)
    {
        var prefix = "SCHILY.xattr."u8;
        int escapes = name.AsSpan().Count('%') + name.AsSpan().Count('=');
        int keywordBytes = prefix.Length + Utf8.GetByteCount(name) + (2 * escapes);
        int length = RecordLength(keywordBytes, value.Length);
        var span = output.GetSpan(length);
        int n = WriteLengthAndSpace(span, length);
        prefix.CopyTo(span[n..]);
        n += prefix.Length;
        if (escapes == 0)
        {
            n += Utf8.GetBytes(name, span[n..]);
        }
        else
        {
            foreach (var part in name.AsSpan().SplitAny('%', '='))
            {
                n += Utf8.GetBytes(name.AsSpan(part), span[n..]);
                if (part.End.Value < name.Length)
                {
                    var escape = name[part.End.Value] == '%' ? "%25"u8 : "%3D"u8;
                    escape.CopyTo(span[n..]);
                    n += escape.Length;
                }
            }
        }
        span[n++] = (byte)'=';
        value.CopyTo(span[n..]);
        n += value.Length;
        span[n++] = (byte)'\n';
        output.Advance(Check(n, length));
    }

    /// <summary>Appends one record with a decimal integer value.</summary>
    public static void Append(ArrayBufferWriter<byte> output, string keyword, long value)
    {
        Span<byte> digits = stackalloc byte[20];
        value.TryFormat(digits, out int n, default, CultureInfo.InvariantCulture);
        Append(output, keyword, digits[..n]);
    }

    /// <summary>
    /// Parses the record at <paramref name="offset"/> and moves past it. Returns false with a
    /// reason for anything that is not a well-formed record (bad length, no '=', no final '\n').
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> data, ref int offset, out Range keyword, out Range value, out string? error)
    {
        keyword = default;
        value = default;
        error = null;
        var rest = data[offset..];
        int space = rest.IndexOf((byte)' ');
        if (space <= 0 || space > 10)
        {
            error = "record length not followed by a space";
            return false;
        }
        long length = 0;
        for (int i = 0; i < space; i++)
        {
            byte b = rest[i];
            if (b is < (byte)'0' or > (byte)'9')
            {
                error = "record length is not decimal";
                return false;
            }
            length = (length * 10) + (b - '0');
        }
        if (length > rest.Length)
        {
            error = $"record length {length} runs past the header's {rest.Length} remaining bytes";
            return false;
        }
        if (length < space + 4)
        {
            error = $"record length {length} too short";  // "<len> k=\n" needs at least a keyword byte
            return false;
        }
        var record = rest[..(int)length];
        if (record[^1] != (byte)'\n')
        {
            error = "record does not end in a newline";
            return false;
        }
        var body = record[(space + 1)..^1];
        int eq = body.IndexOf((byte)'=');
        if (eq <= 0)
        {
            error = "record has no keyword or no '='";
            return false;
        }
        int bodyStart = offset + space + 1;
        keyword = new Range(bodyStart, bodyStart + eq);
        value = new Range(bodyStart + eq + 1, bodyStart + body.Length);
        offset += (int)length;
        return true;
    }

    private static int WriteLengthAndSpace(Span<byte> span, int length)
    {
        length.TryFormat(span, out int n, default, CultureInfo.InvariantCulture);
        span[n++] = (byte)' ';
        return n;
    }

    private static int Check(int written, int computed) =>
        written == computed ? written : throw new InvalidOperationException($"pax record length {computed} computed, {written} written");

    private static int CountDigits(long value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }
        return digits;
    }
}
