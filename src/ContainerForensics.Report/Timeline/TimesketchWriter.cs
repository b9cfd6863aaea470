using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// Timesketch's import formats (JSONL and CSV): each event has the three fields Timesketch
/// requires, <c>message</c>, <c>datetime</c> (ISO-8601, microseconds, +00:00 as its examples
/// write it) and <c>timestamp_desc</c>, plus <c>timestamp</c> (microseconds since the epoch,
/// Timesketch's own), <c>datetime_ns</c> (the evidence's full nanoseconds), <c>data_type</c>,
/// <c>runtime</c>, <c>container</c>, <c>archive_path</c>, <c>sha256</c> and the event's own
/// fields. JSON escapes every control character; CSV quotes every field and writes control
/// characters as \xNN so that a log line cannot start a row of its own.
/// </summary>
public sealed class TimesketchWriter : IDisposable
{
    private static readonly string[] CsvColumns = ["message", "datetime", "timestamp_desc", "timestamp", "datetime_ns", "data_type", "runtime", "container", "archive_path", "sha256", "fields"];

    private readonly Stream _output;
    private readonly bool _csv;
    private readonly Utf8JsonWriter? _json;
    private readonly StreamWriter? _text;

    public TimesketchWriter(Stream output, bool csv)
    {
        _output = output;
        _csv = csv;
        if (csv)
        {
            _text = new StreamWriter(output, new UTF8Encoding(false), 1 << 16) { NewLine = "\n" };
            _text.WriteLine(string.Join(',', CsvColumns));
        }
        else
        {
            _json = new Utf8JsonWriter(output, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true });
        }
    }

    public void Write(TimelineEvent e)
    {
        string datetime = Microseconds(e, out long micros);
        if (_csv)
        {
            var fields = string.Join("; ", e.Fields.Select(f => $"{f.Key}={f.Value}"));
            string[] values = [e.Message, datetime, e.TimestampDesc, micros.ToString(CultureInfo.InvariantCulture), e.When.ToIso8601(), e.DataType, e.Runtime ?? "", e.Container ?? "", e.ArchivePath, e.Sha256 ?? "", fields];
            _text!.WriteLine(string.Join(',', values.Select(Csv)));
            return;
        }
        var json = _json!;
        json.WriteStartObject();
        json.WriteString("message", e.Message);
        json.WriteString("datetime", datetime);
        json.WriteString("timestamp_desc", e.TimestampDesc);
        json.WriteNumber("timestamp", micros);
        json.WriteString("datetime_ns", e.When.ToIso8601());
        json.WriteString("data_type", e.DataType);
        json.WriteString("runtime", e.Runtime);
        json.WriteString("container", e.Container);
        json.WriteString("archive_path", e.ArchivePath);
        if (e.Sha256 is not null)
        {
            json.WriteString("sha256", e.Sha256);
        }
        foreach (var (key, value) in e.Fields)
        {
            json.WriteString(key, value);
        }
        json.WriteEndObject();
        json.Flush();
        json.Reset();
        _output.WriteByte((byte)'\n');
    }

    public void Dispose()
    {
        _json?.Dispose();
        _text?.Flush();
        _text?.Dispose();
    }

    private static string Microseconds(TimelineEvent e, out long micros)
    {
        micros = e.When.Seconds * 1_000_000 + e.When.Nanoseconds / 1000;
        var whole = DateTimeOffset.UnixEpoch.AddSeconds(e.When.Seconds);
        return whole.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." +
            (e.When.Nanoseconds / 1000).ToString("D6", CultureInfo.InvariantCulture) + "+00:00";
    }

    private static string Csv(string value)
    {
        var s = new StringBuilder(value.Length + 2).Append('"');
        foreach (char c in value)
        {
            if (c == '"')
            {
                s.Append("\"\"");
            }
            else if (char.IsControl(c))
            {
                s.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                s.Append(c);
            }
        }
        return s.Append('"').ToString();
    }
}
