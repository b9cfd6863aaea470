using System.Buffers;
using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// A name printed by the kernel with whatever bytes it holds: a unix socket path, an interface
/// name. A container chooses these, so they may be invalid UTF-8 or hold control, bidi or line
/// separator characters that would corrupt a table or mislead a terminal. <see cref="Display"/>
/// is a readable, unambiguous form (such bytes as <c>\xNN</c>, a backslash as <c>\\</c>);
/// <see cref="Bytes"/> are the originals, written as base64 next to the display form whenever
/// the two differ (<see cref="IsPlain"/> false).
/// </summary>
internal sealed class RawName
{
    public RawName(byte[] bytes)
    {
        Bytes = bytes;
        Display = Escape(bytes, out bool plain);
        IsPlain = plain;
    }

    public byte[] Bytes { get; }

    public string Display { get; }

    /// <summary>True when <see cref="Display"/> is exactly the bytes as UTF-8 text.</summary>
    public bool IsPlain { get; }

    public string Base64 => Convert.ToBase64String(Bytes);

    public static RawName FromLatin1(string text) => new(Encoding.Latin1.GetBytes(text));

    public override string ToString() => Display;

    /// <summary>
    /// UTF-8 text kept as is, except: bytes that are not valid UTF-8, control characters (C0, DEL,
    /// C1), format characters (bidi overrides, zero-width), line and paragraph separators, each
    /// byte as <c>\xNN</c>; a backslash as <c>\\</c>. The result is one line and maps back to
    /// exactly one byte string.
    /// </summary>
    public static string Escape(ReadOnlySpan<byte> bytes, out bool plain)
    {
        plain = true;
        var sb = new StringBuilder(bytes.Length);
        int i = 0;
        while (i < bytes.Length)
        {
            var status = Rune.DecodeFromUtf8(bytes[i..], out Rune rune, out int consumed);
            if (status != OperationStatus.Done)
            {
                AppendHex(sb, bytes[i]);
                plain = false;
                i++;
                continue;
            }
            if (NeedsEscape(rune))
            {
                foreach (byte b in bytes.Slice(i, consumed))
                {
                    AppendHex(sb, b);
                }
                plain = false;
            }
            else if (rune.Value == '\\')
            {
                sb.Append(@"\\");
                plain = false;
            }
            else
            {
                sb.Append(rune.ToString());
            }
            i += consumed;
        }
        return sb.ToString();
    }

    /// <summary><see cref="Escape(ReadOnlySpan{byte}, out bool)"/> of a string's UTF-8 form.</summary>
    public static string Escape(string text) => Escape(Encoding.UTF8.GetBytes(text), out _);

    private static bool NeedsEscape(Rune rune) => Rune.GetUnicodeCategory(rune) is
        UnicodeCategory.Control or UnicodeCategory.Format or UnicodeCategory.LineSeparator or
        UnicodeCategory.ParagraphSeparator or UnicodeCategory.Surrogate or UnicodeCategory.PrivateUse;

    private static void AppendHex(StringBuilder sb, byte b) =>
        sb.Append(@"\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
}
