using System.Text;

namespace ContainerForensics.Core.Evidence;

/// <summary>
/// A path inside the archive that is safe to extract anywhere: relative, '/'-separated, no
/// empty, "." or ".." segment, no control character, no backslash, valid UTF-8. Untrusted
/// names (file names from a container, container names) become segments through
/// <see cref="EscapeSegment(ReadOnlySpan{byte})"/>; the original bytes go to the manifest.
/// </summary>
public sealed class ArchivePath : IEquatable<ArchivePath>
{
    private ArchivePath(string value) => Value = value;

    public string Value { get; }

    /// <summary>Joins trusted, already-safe segments (literals chosen by the layout).</summary>
    public static ArchivePath Of(params string[] segments) => Parse(string.Join('/', segments));

    /// <summary>Accepts a path that is already safe; throws for anything that is not.</summary>
    public static ArchivePath Parse(string value)
    {
        if (!IsSafe(value, out string? why))
        {
            throw new ArgumentException($"unsafe archive path '{EscapeSegment(Encoding.UTF8.GetBytes(value))}': {why}", nameof(value));
        }
        return new ArchivePath(value);
    }

    public ArchivePath Append(string safeSegmentPath) => Parse(Value + "/" + safeSegmentPath);

    /// <summary>Appends an untrusted relative path given as raw bytes, segment by segment, each escaped.</summary>
    public ArchivePath AppendRaw(ReadOnlySpan<byte> rawRelativePath)
    {
        var sb = new StringBuilder(Value);
        foreach (var range in rawRelativePath.Split((byte)'/'))
        {
            var seg = rawRelativePath[range];
            if (seg.Length == 0 || (seg.Length == 1 && seg[0] == (byte)'.'))
            {
                continue; // "a//b" and "a/./b" name the same file as "a/b"
            }
            sb.Append('/').Append(EscapeSegment(seg));
        }
        return Parse(sb.ToString());
    }

    public static bool IsSafe(string value, out string? why)
    {
        why = null;
        if (string.IsNullOrEmpty(value))
        {
            why = "empty";
            return false;
        }
        if (value[0] == '/')
        {
            why = "absolute";
            return false;
        }
        foreach (var seg in value.Split('/'))
        {
            if (seg.Length == 0 || seg == "." || seg == "..")
            {
                why = $"segment '{seg}'";
                return false;
            }
        }
        foreach (char c in value)
        {
            if (c < 0x20 || c == 0x7F || c == '\\' || (c >= 0x80 && c <= 0x9F) || c == '\u2028' || c == '\u2029')
            {
                why = "control character or backslash";
                return false;
            }
        }
        try
        {
            _ = new UTF8Encoding(false, true).GetByteCount(value);
        }
        catch (EncoderFallbackException)
        {
            why = "not valid Unicode";
            return false;
        }
        return true;
    }

    /// <summary>
    /// Escapes one untrusted name into a safe segment: bytes that are control characters,
    /// '/', '\\', '%', not valid UTF-8, or a name that is "." or ".." become %XX (upper-case hex).
    /// The mapping is injective, so two different names never share a segment.
    /// </summary>
    public static string EscapeSegment(ReadOnlySpan<byte> name)
    {
        if (name.Length == 0)
        {
            return "%";  // cannot come from a real file name; keeps the segment non-empty and distinct
        }
        var sb = new StringBuilder(name.Length + 8);
        if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
        {
            foreach (byte b in name)
            {
                sb.Append("%2E");
            }
            return sb.ToString();
        }
        int i = 0;
        while (i < name.Length)
        {
            byte b = name[i];
            if (b < 0x80)
            {
                if (b < 0x20 || b == 0x7F || b == (byte)'/' || b == (byte)'\\' || b == (byte)'%')
                {
                    AppendHex(sb, b);
                }
                else
                {
                    sb.Append((char)b);
                }
                i++;
                continue;
            }
            var status = System.Text.Rune.DecodeFromUtf8(name[i..], out var rune, out int consumed);
            if (status == System.Buffers.OperationStatus.Done && !IsUnsafeRune(rune))
            {
                sb.Append(rune.ToString());
                i += consumed;
            }
            else
            {
                AppendHex(sb, b);  // invalid byte (or C1 control / line separator): escape it alone, go on
                i++;
            }
        }
        return sb.ToString();
    }

    /// <summary>Reverses <see cref="EscapeSegment(ReadOnlySpan{byte})"/>.</summary>
    public static byte[] UnescapeSegment(string segment)
    {
        if (segment == "%")
        {
            return [];
        }
        var bytes = new List<byte>(segment.Length);
        var utf8 = Encoding.UTF8.GetBytes(segment);
        for (int i = 0; i < utf8.Length; i++)
        {
            if (utf8[i] == (byte)'%' && i + 2 < utf8.Length)
            {
                bytes.Add(Convert.ToByte(Encoding.ASCII.GetString(utf8, i + 1, 2), 16));
                i += 2;
            }
            else
            {
                bytes.Add(utf8[i]);
            }
        }
        return [.. bytes];
    }

    // C1 controls and the Unicode line/paragraph separators break line-oriented tools (sha256sum, grep).
    private static bool IsUnsafeRune(System.Text.Rune r) =>
        (r.Value >= 0x80 && r.Value <= 0x9F) || r.Value == 0x2028 || r.Value == 0x2029;

    private static void AppendHex(StringBuilder sb, byte b) => sb.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));

    public bool Equals(ArchivePath? other) => other is not null && string.Equals(Value, other.Value, StringComparison.Ordinal);

    public override bool Equals(object? obj) => Equals(obj as ArchivePath);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Value);

    public override string ToString() => Value;
}
