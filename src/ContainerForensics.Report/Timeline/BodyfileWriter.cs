using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// The Sleuth Kit's body format 3, one line per file, that <c>mactime -b</c> reads:
/// <c>MD5|name|inode|mode_as_string|UID|GID|size|atime|mtime|ctime|crtime</c>, times in whole
/// seconds since the epoch (0: unknown). The MD5 field holds the file's MD5 when the archive
/// was made with <c>--hash md5</c>, else 0 (the sha256 is in the manifest). The name is the
/// attacker's: '|' would split the line and control characters would forge lines, so both
/// are written as \xNN, and so is '\' itself (\x5c), which keeps the escaping reversible.
/// </summary>
public sealed class BodyfileWriter(TextWriter output)
{
    private readonly StringBuilder _line = new(256);

    /// <summary>The bodyfile has one line per file: events of one file come in MACB groups, so only the file's entries are written.</summary>
    public void Write(Evidence.Reading.ManifestLine file, string name)
    {
        _line.Clear();
        _line.Append(file.Md5 ?? "0").Append('|');
        Escape(_line, name);
        _line.Append('|').Append(file.Inode?.ToString(CultureInfo.InvariantCulture) ?? "0")
            .Append('|').Append(ModeString(file.Kind, file.Mode))
            .Append('|').Append(file.Uid?.ToString(CultureInfo.InvariantCulture) ?? "0")
            .Append('|').Append(file.Gid?.ToString(CultureInfo.InvariantCulture) ?? "0")
            .Append('|').Append(file.Size?.ToString(CultureInfo.InvariantCulture) ?? "0")
            .Append('|').Append(Seconds(file.AccessTime))
            .Append('|').Append(Seconds(file.ModifiedTime))
            .Append('|').Append(Seconds(file.ChangeTime))
            .Append('|').Append(Seconds(file.BirthTime));
        output.Write(_line);
        output.Write('\n');
    }

    internal static void Escape(StringBuilder into, string text)
    {
        foreach (char c in text)
        {
            if (c is '|' or '\\' || char.IsControl(c))
            {
                into.Append("\\x").Append(((int)c).ToString("x2", CultureInfo.InvariantCulture));
            }
            else
            {
                into.Append(c);
            }
        }
    }

    /// <summary>fls's form: the type from the name ("r/", "d/", "l/"...), then ls -l's ten characters.</summary>
    internal static string ModeString(string? kind, uint? mode)
    {
        char type = kind switch
        {
            "directory" => 'd',
            "symlink" => 'l',
            "chardevice" => 'c',
            "blockdevice" => 'b',
            "fifo" => 'p',
            "socket" => 's',
            "whiteout" => 'w',
            _ => 'r',
        };
        char lsType = type switch { 'r' => '-', 'w' => 'c', _ => type };
        uint m = mode ?? 0;
        var s = new StringBuilder(12).Append(type).Append('/').Append(lsType);
        for (int shift = 6; shift >= 0; shift -= 3)
        {
            uint bits = (m >> shift) & 7;
            bool special = shift switch { 6 => (m & 0x800) != 0, 3 => (m & 0x400) != 0, _ => (m & 0x200) != 0 };
            char exec = shift == 0 ? (special ? ((bits & 1) != 0 ? 't' : 'T') : (bits & 1) != 0 ? 'x' : '-')
                : special ? ((bits & 1) != 0 ? 's' : 'S') : (bits & 1) != 0 ? 'x' : '-';
            s.Append((bits & 4) != 0 ? 'r' : '-').Append((bits & 2) != 0 ? 'w' : '-').Append(exec);
        }
        return s.ToString();
    }

    private static string Seconds(UnixTime? t) => t is { } v ? v.Seconds.ToString(CultureInfo.InvariantCulture) : "0";
}
