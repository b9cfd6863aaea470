using System.Globalization;
using System.Text;

namespace ContainerForensics.Containerd.Cri.Logs;

/// <summary>
/// The kubelet's names for a container's log files in its folder under /var/log/pods
/// (pkg/kubelet/logs/container_log_manager.go): <c>&lt;restart&gt;.log</c> is written now; rotation
/// renames it to <c>&lt;restart&gt;.log.&lt;yyyyMMdd-HHmmss&gt;</c> and later gzips older ones to
/// <c>....gz</c> (through a <c>.tmp</c> file while it compresses). Anything else is kept but not parsed.
/// </summary>
internal sealed record CriLogFileName(byte[] Name, long Restart, string Stamp, bool Gzip)
{
    /// <summary>Null when the name is not one the parser reads.</summary>
    public static CriLogFileName? TryParse(byte[] name)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(name);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
        int dot = text.IndexOf(".log", StringComparison.Ordinal);
        if (dot <= 0 || !long.TryParse(text.AsSpan(0, dot), NumberStyles.None, CultureInfo.InvariantCulture, out long restart))
        {
            return null;
        }
        string rest = text[(dot + 4)..];
        if (rest.Length == 0)
        {
            return new CriLogFileName(name, restart, "", false);
        }
        bool gzip = rest.EndsWith(".gz", StringComparison.Ordinal);
        string stamp = gzip ? rest[1..^3] : rest[1..];
        if (rest[0] != '.' || stamp.Length == 0 || !stamp.All(c => c is (>= '0' and <= '9') or '-'))
        {
            return null;
        }
        return new CriLogFileName(name, restart, stamp, gzip);
    }

    /// <summary>Reading order: by restart, rotated files oldest first (their stamps sort by time), the current file last.</summary>
    public static int Compare(CriLogFileName a, CriLogFileName b)
    {
        int c = a.Restart.CompareTo(b.Restart);
        if (c != 0)
        {
            return c;
        }
        if ((a.Stamp.Length == 0) != (b.Stamp.Length == 0))
        {
            return a.Stamp.Length == 0 ? 1 : -1;
        }
        c = string.CompareOrdinal(a.Stamp, b.Stamp);
        return c != 0 ? c : a.Gzip.CompareTo(b.Gzip);
    }
}
