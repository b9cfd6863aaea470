using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// A trigger's archive name: <c>TIME_RUNTIME_NAME_ID12_TRIGGER_SEQ.EXT</c>, e.g.
/// <c>20261207T055330.123Z_docker_web_3f2a9c1d0b7e_start_17.tar.gz</c>. The event's time first,
/// so a listing sorts by when things happened; the sequence number joins it to its index line
/// and keeps two triggers of one millisecond apart. The container's name and id come from the
/// runtime and may be anything: only letters, digits, '.' and '-' of them are kept, at most 48
/// characters of each.
/// </summary>
public static class ArchiveNaming
{
    private const int MaxNameLength = 48;

    public static string For(UnixTime eventTime, string runtime, ContainerInfo container, TriggerKind kind, long seq, string extension)
    {
        ArgumentNullException.ThrowIfNull(container);
        var time = eventTime.ToDateTimeOffset().UtcDateTime.ToString("yyyyMMdd'T'HHmmss.fff'Z'", CultureInfo.InvariantCulture);
        // A 64-hex id is named by its first 12 digits, as the engines show it; any other id (containerd's are names) whole.
        string id = container.Id.Length == 64 && container.Id.All(char.IsAsciiHexDigit) ? container.Id[..12] : container.Id;
        string name = container.Name is { Length: > 0 } n && n.TrimStart('/') != container.Id ? Tame(n.TrimStart('/')) : "";
        var parts = new List<string> { time, Tame(runtime) };
        if (name.Length > 0)
        {
            parts.Add(name);
        }
        parts.Add(Tame(id));
        parts.Add(TriggerKinds.Name(kind));
        parts.Add(seq.ToString(CultureInfo.InvariantCulture));
        return string.Join('_', parts) + extension;
    }

    private static string Tame(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, MaxNameLength));
        foreach (char c in text)
        {
            if (sb.Length == MaxNameLength)
            {
                break;
            }
            sb.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '-');
        }
        string tamed = sb.ToString().Trim('.');
        return tamed.Length > 0 ? tamed : "-";
    }
}
