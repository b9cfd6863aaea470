using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// Timestamped lines of the logs a collection took, in the three shapes the engines write:
/// "TIME message" (Docker's and Kubernetes' logs asked with timestamps), the CRI format
/// "TIME stream P|F message" (containerd's /var/log/pods, Podman's k8s-file), and Docker's
/// json-file lines {"log", "stream", "time"}. A line with no time of its own is not placed on
/// the timeline (it is still in the archive).
/// </summary>
internal static class LogLines
{
    public static TimelineEvent? Parse(string line, long cutBytes, string archivePath, ArchiveLocation where)
    {
        string? stream = StreamOf(archivePath);
        string message;
        UnixTime when;
        if (line.StartsWith('{'))
        {
            if (!TryJsonFile(line, out when, out message, ref stream))
            {
                return null;
            }
        }
        else
        {
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space < 20 || !Rfc3339.TryParse(line.AsSpan(0, space), out when))
            {
                return null;
            }
            message = line[(space + 1)..];
            // CRI: "stdout F text" after the time.
            if (message.Length >= 9 && (message.StartsWith("stdout ", StringComparison.Ordinal) || message.StartsWith("stderr ", StringComparison.Ordinal))
                && message[8] == ' ' && message[7] is 'F' or 'P')
            {
                stream = message[..6];
                message = message[9..];
            }
        }
        var fields = new List<KeyValuePair<string, string>>();
        if (stream is not null)
        {
            fields.Add(new("stream", stream));
        }
        if (cutBytes > 0)
        {
            fields.Add(new("cut_bytes", cutBytes.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }
        return new TimelineEvent
        {
            When = when,
            TimestampDesc = "Log line",
            Message = message,
            DataType = "cfir:log",
            ArchivePath = archivePath,
            Runtime = where.Runtime,
            Container = where.Container,
            Fields = fields,
        };
    }

    private static bool TryJsonFile(string line, out UnixTime when, out string message, ref string? stream)
    {
        when = default;
        message = "";
        try
        {
            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("time", out var t) || t.ValueKind != JsonValueKind.String || !Rfc3339.TryParse(t.GetString(), out when))
            {
                return false;
            }
            message = root.TryGetProperty("log", out var log) && log.ValueKind == JsonValueKind.String ? log.GetString()!.TrimEnd('\n') : "";
            if (root.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.String)
            {
                stream = s.GetString();
            }
            return true;
        }
        catch (JsonException)
        {
            return false;  // a line cut at the cap, or not JSON after all
        }
    }

    private static string? StreamOf(string archivePath) =>
        archivePath.EndsWith("/stdout.log", StringComparison.Ordinal) ? "stdout"
        : archivePath.EndsWith("/stderr.log", StringComparison.Ordinal) ? "stderr"
        : null;
}
