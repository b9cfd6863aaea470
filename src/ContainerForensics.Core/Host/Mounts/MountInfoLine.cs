using System.Globalization;
using System.Text;

namespace ContainerForensics.Core.Host.Mounts;

/// <summary>
/// One line of /proc/&lt;pid&gt;/mountinfo (proc_pid_mountinfo(5)):
/// <c>36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue</c>.
/// Space, tab, newline and backslash inside fields are octal escapes (fs/proc_namespace.c,
/// mangle()), so splitting on spaces is exact. Work is on bytes: a path may hold any byte but
/// those, and decoding the line as text first would lose the others. A line that does not
/// parse is null, never guessed at.
/// </summary>
public static class MountInfoLine
{
    public static MountEntry? ParseLine(ReadOnlySpan<byte> line)
    {
        var f = Split(line, (byte)' ');
        int dash = -1;
        for (int i = 6; i < f.Count; i++)
        {
            if (f[i] is [(byte)'-'])
            {
                dash = i;
                break;
            }
        }
        // Six fields before the optional ones, then "-", fstype, source and super options.
        if (dash < 0 || dash + 2 >= f.Count)
        {
            return null;
        }
        var dev = Split(f[2], (byte)':');
        if (!int.TryParse(f[0], NumberStyles.None, CultureInfo.InvariantCulture, out int id) ||
            !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int parent) ||
            dev.Count != 2 ||
            !uint.TryParse(dev[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint major) ||
            !uint.TryParse(dev[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint minor))
        {
            return null;
        }
        byte[] fsType = Unescape(f[dash + 1]);
        // Super options are the last field; nothing escaped contains a space, but keep any rest.
        byte[] superOptions = dash + 3 < f.Count ? Join(f, dash + 3) : [];
        return new MountEntry
        {
            MountId = id,
            ParentId = parent,
            Major = major,
            Minor = minor,
            Root = Unescape(f[3]),
            MountPoint = Unescape(f[4]),
            MountOptions = f[5],
            OptionalFields = f[6..dash],
            FsType = fsType,
            Source = Unescape(f[dash + 2]),
            SuperOptions = superOptions,
            Overlay = fsType.AsSpan().SequenceEqual("overlay"u8) ? Overlay(superOptions) : null,
        };
    }

    /// <summary>
    /// The layer directories from overlay's super options. Options are comma-separated and their
    /// values octal-escaped (seq_show_option escapes ",= \t\n\\"); lower layers are separated by
    /// ':' (a ':' inside a path is "\:"), "::" starts the data-only layers; "lowerdir+" and
    /// "datadir+" (Linux 6.8) add one layer each.
    /// </summary>
    public static OverlayLayers Overlay(ReadOnlySpan<byte> superOptions)
    {
        var lower = new List<byte[]>();
        var dataOnly = new List<byte[]>();
        byte[]? upper = null;
        byte[]? work = null;
        foreach (var option in Split(superOptions, (byte)','))
        {
            int eq = Array.IndexOf(option, (byte)'=');
            if (eq < 0)
            {
                continue;
            }
            string key = Encoding.ASCII.GetString(option, 0, eq);
            var value = option.AsSpan(eq + 1);
            switch (key)
            {
                case "lowerdir":
                    bool data = false;
                    foreach (var layer in SplitLayers(value))
                    {
                        if (layer.Length == 0)
                        {
                            data = true;  // "::" — what follows are data-only layers
                            continue;
                        }
                        (data ? dataOnly : lower).Add(Unescape(layer));
                    }
                    break;
                case "lowerdir+":
                    lower.Add(Unescape(value));
                    break;
                case "datadir+":
                    dataOnly.Add(Unescape(value));
                    break;
                case "upperdir":
                    upper = Unescape(value);
                    break;
                case "workdir":
                    work = Unescape(value);
                    break;
                default:
                    break;
            }
        }
        return new OverlayLayers(lower, dataOnly, upper, work);
    }

    /// <summary>Splits on ':' not preceded by a backslash, keeping "\:" for <see cref="Unescape"/>.</summary>
    private static List<byte[]> SplitLayers(ReadOnlySpan<byte> value)
    {
        var parts = new List<byte[]>();
        int start = 0;
        for (int i = 0; i < value.Length; i++)
        {
            if (value[i] == (byte)'\\')
            {
                i++;
            }
            else if (value[i] == (byte)':')
            {
                parts.Add(value[start..i].ToArray());
                start = i + 1;
            }
        }
        parts.Add(value[start..].ToArray());
        return parts;
    }

    /// <summary>Undoes the kernel's escapes: "\ooo" (three octal digits) is that byte; "\x" for any other x is x.</summary>
    public static byte[] Unescape(ReadOnlySpan<byte> field)
    {
        var output = new List<byte>(field.Length);
        for (int i = 0; i < field.Length; i++)
        {
            if (field[i] == (byte)'\\' && i + 3 < field.Length && IsOctal(field[i + 1]) && IsOctal(field[i + 2]) && IsOctal(field[i + 3]))
            {
                output.Add((byte)(((field[i + 1] - '0') << 6) | ((field[i + 2] - '0') << 3) | (field[i + 3] - '0')));
                i += 3;
            }
            else if (field[i] == (byte)'\\' && i + 1 < field.Length)
            {
                output.Add(field[i + 1]);
                i++;
            }
            else
            {
                output.Add(field[i]);
            }
        }
        return [.. output];
    }

    private static bool IsOctal(byte b) => b is >= (byte)'0' and <= (byte)'7';

    private static List<byte[]> Split(ReadOnlySpan<byte> text, byte separator)
    {
        var parts = new List<byte[]>();
        while (true)
        {
            int at = text.IndexOf(separator);
            if (at < 0)
            {
                parts.Add(text.ToArray());
                return parts;
            }
            parts.Add(text[..at].ToArray());
            text = text[(at + 1)..];
        }
    }

    private static byte[] Join(List<byte[]> parts, int from)
    {
        var output = new List<byte>();
        for (int i = from; i < parts.Count; i++)
        {
            if (i > from)
            {
                output.Add((byte)' ');
            }
            output.AddRange(parts[i]);
        }
        return [.. output];
    }
}
