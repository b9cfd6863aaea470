using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Offline.LocalLogs;

/// <summary>
/// One record as a line of <c>local-parsed.jsonl</c>: <c>time</c> (UTC, nine digits, from
/// <c>time_nano</c>), <c>stream</c>, <c>text</c> (valid UTF-8) or <c>bytes</c> (base64, when not),
/// <c>endsLine</c> (whether <c>docker logs</c> puts a newline after it), <c>partial</c> and, for a
/// piece of a longer line, <c>partialId</c>, <c>partialOrdinal</c>, <c>partialLast</c>; <c>attrs</c>
/// when the driver stored any; <c>file</c> and <c>offset</c> of its frame.
/// </summary>
internal static class LocalLogJson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static byte[] Line(LocalLogRecord record, string file)
    {
        var output = new MemoryStream();
        using (var w = new Utf8JsonWriter(output, Options))
        {
            w.WriteStartObject();
            w.WriteString("time", Time(record.TimeNano).ToIso8601());
            w.WriteString("stream", record.Source);
            if (TryDecode(record.Line, out string? text))
            {
                w.WriteString("text", text);
            }
            else
            {
                w.WriteBase64String("bytes", record.Line);
            }
            w.WriteBoolean("endsLine", record.EndsLine);
            w.WriteBoolean("partial", record.Partial);
            if (record.PartialMetadata is { } p)
            {
                w.WriteString("partialId", p.Id);
                w.WriteNumber("partialOrdinal", p.Ordinal);
                w.WriteBoolean("partialLast", p.Last);
            }
            if (record.Attributes.Count > 0)
            {
                w.WriteStartObject("attrs");
                foreach (var (key, value) in record.Attributes)
                {
                    w.WriteString(key, value);
                }
                w.WriteEndObject();
            }
            w.WriteString("file", file);
            w.WriteNumber("offset", record.Offset);
            w.WriteEndObject();
        }
        output.WriteByte((byte)'\n');
        return output.ToArray();
    }

    /// <summary>Nanoseconds since the epoch (negative ones too) as a time.</summary>
    public static UnixTime Time(long nanoseconds)
    {
        long seconds = Math.DivRem(nanoseconds, 1_000_000_000L, out long rest);
        if (rest < 0)
        {
            seconds--;
            rest += 1_000_000_000L;
        }
        return new UnixTime(seconds, (uint)rest);
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
