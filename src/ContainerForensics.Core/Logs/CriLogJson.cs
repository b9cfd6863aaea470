using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ContainerForensics.Core.Logs;

/// <summary>
/// One joined line as a line of <c>cri-parsed.jsonl</c>: <c>time</c> (UTC, nine digits),
/// <c>timeAsWritten</c>, <c>stream</c>, <c>text</c> (valid UTF-8) or <c>bytes</c> (base64, when
/// not), <c>parts</c>, <c>file</c> and <c>line</c> of the first part, <c>complete</c>, <c>continues</c>.
/// </summary>
public static class CriLogJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Line(CriLogRecord record)
    {
        var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output, Options))
        {
            w.WriteStartObject();
            w.WriteString("time", record.Time);
            w.WriteString("timeAsWritten", record.TimeAsWritten);
            w.WriteString("stream", record.Stream);
            if (TryDecode(record.Content, out string? text))
            {
                w.WriteString("text", text);
            }
            else
            {
                w.WriteBase64String("bytes", record.Content);
            }
            w.WriteNumber("parts", record.Parts);
            w.WriteString("file", record.File);
            w.WriteNumber("line", record.Line);
            w.WriteBoolean("complete", record.Complete);
            w.WriteBoolean("continues", record.Continues);
            w.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    private static bool TryDecode(byte[] content, out string? text)
    {
        try
        {
            text = StrictUtf8.GetString(content);
            return true;
        }
        catch (DecoderFallbackException)
        {
            text = null;
            return false;
        }
    }
}
