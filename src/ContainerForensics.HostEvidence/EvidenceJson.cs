using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence;

/// <summary>
/// How the decoded documents are written: indented UTF-8 JSON, non-ASCII kept readable, and
/// bytes from a process or a container (names, argv, link targets) written as text when they
/// are valid UTF-8, else under the same name with "Base64" appended — the manifest's
/// path/pathBase64 convention, so no byte is lost or guessed.
/// </summary>
internal static class EvidenceJson
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static readonly JsonWriterOptions Options = EvidenceJsonOptions.Indented;

    /// <summary>Builds a document with a writer and returns its bytes.</summary>
    public static byte[] Build(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            write(json);
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    /// <summary>The bytes as text when they are valid UTF-8; null otherwise.</summary>
    public static string? TryUtf8(ReadOnlySpan<byte> bytes)
    {
        try
        {
            return StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }

    /// <summary>"name": "text", or "nameBase64": "..." when the bytes are not UTF-8; nothing when null.</summary>
    public static void WriteBytes(Utf8JsonWriter json, string name, byte[]? bytes)
    {
        if (bytes is null)
        {
            return;
        }
        if (TryUtf8(bytes) is { } text)
        {
            json.WriteString(name, text);
        }
        else
        {
            json.WriteString(name + "Base64", Convert.ToBase64String(bytes));
        }
    }

    /// <summary>An array of byte strings: all as text, or all as base64 under "nameBase64" when any is not UTF-8.</summary>
    public static void WriteByteArray(Utf8JsonWriter json, string name, IReadOnlyList<byte[]> values)
    {
        var texts = values.Select(v => TryUtf8(v)).ToList();
        bool allText = texts.All(t => t is not null);
        json.WriteStartArray(allText ? name : name + "Base64");
        for (int i = 0; i < values.Count; i++)
        {
            json.WriteStringValue(allText ? texts[i] : Convert.ToBase64String(values[i]));
        }
        json.WriteEndArray();
    }

    /// <summary>Text for a person (processes.txt): invalid UTF-8 and control characters as \xNN, so one value stays on one line.</summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder(bytes.Length);
        var text = TryUtf8(bytes);
        if (text is null)
        {
            foreach (byte b in bytes)
            {
                sb.Append(b == (byte)'\\' ? "\\\\" : b is >= 0x20 and < 0x7f ? ((char)b).ToString() : $"\\x{b:x2}");
            }
            return sb.ToString();
        }
        foreach (char c in text)
        {
            if (c == '\\')
            {
                sb.Append("\\\\");
            }
            else if (char.IsControl(c) || c is '\u2028' or '\u2029')
            {
                sb.Append(c <= 0xff ? $"\\x{(int)c:x2}" : $"\\u{(int)c:x4}");
            }
            else
            {
                sb.Append(c);
            }
        }
        return sb.ToString();
    }
}
