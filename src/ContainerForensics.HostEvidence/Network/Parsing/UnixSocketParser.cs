using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/unix:
/// <code>
/// Num       RefCount Protocol Flags    Type St Inode Path
/// 0000000000000000: 00000002 00000000 00010000 0001 01 23456 /run/docker.sock
/// </code>
/// printed as <c>"%pK: %08X %08X %08X %04X %02X %5lu"</c>, then, for a bound socket, a space and
/// the name byte by byte: unescaped, so a path may hold spaces, any byte, and even a newline.
/// The path is everything after that one space. A line that does not read as an entry right
/// after an entry with a path is taken as the rest of that path (it held a newline) and noted;
/// anything else is recorded as unparsed. A newline followed by text that reads like a whole
/// entry cannot be told from one: the raw file is in the archive to judge.
/// </summary>
internal static class UnixSocketParser
{
    public static ParsedTable<UnixSocket> Parse(ReadOnlyMemory<byte> content, bool cut = false)
    {
        bool lastWasEntryWithPath = false;
        return ParsedTable<UnixSocket>.Parse(content, cut, (line, table) =>
        {
            if (line.Number == 1 && line.Text.StartsWith("Num ", StringComparison.Ordinal))
            {
                return null;
            }
            if (TryParse(line, out var socket, out string? problem))
            {
                table.Entries.Add(socket);
                lastWasEntryWithPath = socket.Path is not null;
                return null;
            }
            if (lastWasEntryWithPath && table.Entries.Count > 0)
            {
                var previous = table.Entries[^1];
                byte[] joined = [.. previous.Path!.Bytes, (byte)'\n', .. Encoding.Latin1.GetBytes(line.Text)];
                table.Entries[^1] = previous with { Path = new RawName(joined), ContinuationLines = [.. previous.ContinuationLines, line.Number] };
                return null;
            }
            lastWasEntryWithPath = false;
            return line.Text.Length == 0 ? null : problem;
        });
    }

    private static bool TryParse(ProcLine line, out UnixSocket socket, out string? problem)
    {
        socket = null!;
        string s = line.Text;
        int pos = 0;
        // "%pK:" — the kernel address (hashed or zeros), then ": ".
        if (!NextField(s, ref pos, out var num) || num.Length < 2 || num[^1] != ':' || !IsHex(num[..^1]))
        {
            problem = "the first column is not a hex address followed by ':'";
            return false;
        }
        if (!NextHex(s, ref pos, out uint refCount) || !NextHex(s, ref pos, out _) ||
            !NextHex(s, ref pos, out uint flags) || !NextHex(s, ref pos, out uint type) || !NextHex(s, ref pos, out uint state))
        {
            problem = "RefCount, Protocol, Flags, Type and St are not hex numbers";
            return false;
        }
        if (!NextField(s, ref pos, out var inodeText) || !ulong.TryParse(inodeText, NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
        {
            problem = "inode is not a number";
            return false;
        }
        RawName? path = null;
        if (pos < s.Length)
        {
            if (s[pos] != ' ' || pos + 1 >= s.Length)
            {
                problem = "unexpected text after the inode";
                return false;
            }
            path = RawName.FromLatin1(s[(pos + 1)..]);
        }
        socket = new UnixSocket
        {
            Line = line.Number,
            RefCount = refCount,
            Flags = flags,
            TypeCode = (int)type,
            Type = type switch
            {
                1 => "STREAM",
                2 => "DGRAM",
                5 => "SEQPACKET",
                _ => SocketStates.Unknown((int)type),
            },
            StateCode = (int)state,
            State = state switch
            {
                0 => "FREE",
                1 => "UNCONNECTED",
                2 => "CONNECTING",
                3 => "CONNECTED",
                4 => "DISCONNECTING",
                _ => SocketStates.Unknown((int)state),
            },
            Inode = inode,
            Path = path,
        };
        problem = null;
        return true;
    }

    /// <summary>Skips spaces, then takes the run of non-space characters; pos ends right after it.</summary>
    private static bool NextField(string s, ref int pos, out ReadOnlySpan<char> field)
    {
        while (pos < s.Length && s[pos] == ' ')
        {
            pos++;
        }
        int start = pos;
        while (pos < s.Length && s[pos] != ' ')
        {
            pos++;
        }
        field = s.AsSpan(start, pos - start);
        return field.Length > 0;
    }

    private static bool NextHex(string s, ref int pos, out uint value)
    {
        value = 0;
        return NextField(s, ref pos, out var field) && uint.TryParse(field, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }

    private static bool IsHex(ReadOnlySpan<char> text)
    {
        foreach (char c in text)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }
        return true;
    }
}
