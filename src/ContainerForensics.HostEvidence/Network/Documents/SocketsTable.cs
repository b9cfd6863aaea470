using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network.Documents;

/// <summary>
/// <c>sockets.txt</c>: the sockets as a person reads them, in the manner of <c>ss -anp</c>
/// (Netid, State, Recv-Q, Send-Q, local and peer address, inode, processes). Every cell that
/// comes from the container (paths, commands) is escaped, so a hostile name cannot break the
/// table or send control sequences to the examiner's terminal.
/// </summary>
internal static class SocketsTable
{
    private static readonly string[] Header = ["Netid", "State", "Recv-Q", "Send-Q", "Local Address:Port", "Peer Address:Port", "Inode", "Process"];

    public static byte[] Render(SocketsDocument doc)
    {
        var rows = new List<string[]> { Header };
        foreach (var s in doc.Inet)
        {
            string local, peer;
            if (s.Protocol == "raw")
            {
                local = Endpoint(s.LocalAddress, null) + ":" + (SocketsDocument.IpProtocolName(s.LocalPort) ?? Num(s.LocalPort));
                peer = Endpoint(s.RemoteAddress, null) + ":*";
            }
            else
            {
                local = Endpoint(s.LocalAddress, s.LocalPort);
                peer = Endpoint(s.RemoteAddress, s.RemotePort);
            }
            string netid = s.IpVersion == 6 ? s.Protocol + "6" : s.Protocol;
            rows.Add([netid, SocketStates.Short(s.State), Num(s.RxQueue), Num(s.TxQueue), local, peer, Num(s.Inode), Users(doc.Snapshot.OwnersOf(s.Inode))]);
        }
        foreach (var s in doc.Unix)
        {
            string netid = s.TypeCode switch { 1 => "u_str", 2 => "u_dgr", 5 => "u_seq", _ => "u_" + Num(s.TypeCode) };
            string state = s.Listening ? "LISTEN" : s.StateCode switch { 1 => "UNCONN", 3 => "ESTAB", _ => s.State };
            rows.Add([netid, state, "-", "-", s.Path?.Display ?? "*", "*", Num(s.Inode), Users(doc.Snapshot.OwnersOf(s.Inode))]);
        }
        foreach (var s in doc.Packet)
        {
            string netid = s.TypeCode switch { 3 => "p_raw", 2 => "p_dgr", _ => "p_" + Num(s.TypeCode) };
            string iface = s.InterfaceIndex == 0 ? "*" : doc.InterfaceNames.GetValueOrDefault(s.InterfaceIndex)?.Display ?? Num(s.InterfaceIndex);
            string proto = s.EtherTypeName ?? "0x" + s.EtherType.ToString("x4", CultureInfo.InvariantCulture);
            rows.Add([netid, "UNCONN", "-", "-", proto + ":" + iface, "*", Num(s.Inode), Users(doc.Snapshot.OwnersOf(s.Inode))]);
        }
        foreach (var s in doc.Netlink)
        {
            rows.Add(["nl", "UNCONN", "-", "-", s.Protocol.ToLowerInvariant() + ":" + Num(s.PortId), "*", Num(s.Inode), Users(doc.Snapshot.OwnersOf(s.Inode))]);
        }
        foreach (var (inode, owners) in doc.NotListed)
        {
            rows.Add(["?", "NOT-LISTED", "-", "-", "(held, but in no table of this namespace)", "*", Num(inode), Users(owners)]);
        }

        var widths = new int[Header.Length];
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                widths[i] = Math.Max(widths[i], row[i].Length);
            }
        }
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# sockets of network namespace net:[{doc.Snapshot.NetnsInode}], read from /proc/{doc.Snapshot.Pid}/net; decoded from the files listed in sockets.json\n");
        foreach (var row in rows)
        {
            for (int i = 0; i < row.Length; i++)
            {
                sb.Append(i == row.Length - 1 ? row[i] : row[i].PadRight(widths[i] + 2));
            }
            sb.Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }

    /// <summary>ss's notation: "127.0.0.1:22", "[::1]:22", "*" for port 0 of the peer.</summary>
    private static string Endpoint(IPAddress address, int? port)
    {
        string a = address.AddressFamily == AddressFamily.InterNetworkV6 ? "[" + address + "]" : address.ToString();
        return port is null ? a : a + ":" + (port == 0 ? "*" : Num(port.Value));
    }

    /// <summary>users:(("nc",pid=123,fd=3),...) as ss prints it, commands escaped.</summary>
    private static string Users(IReadOnlyList<SocketOwner> owners)
    {
        if (owners.Count == 0)
        {
            return "";
        }
        var parts = owners.Select(o => "(\"" + Safe(o.Command ?? "?") + "\",pid=" + Num(o.Pid) + ",fd=" + Num(o.Fd) + ")");
        return "users:(" + string.Join(",", parts) + ")";
    }

    /// <summary>Control, format and separator characters and '"' as \xNN (lone surrogates as U+FFFD); everything else as is.</summary>
    private static string Safe(string text)
    {
        var sb = new StringBuilder(text.Length);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in EnumerateRunes(text))
        {
            if (Rune.GetUnicodeCategory(rune) is UnicodeCategory.Control or UnicodeCategory.Format or
                UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator || rune.Value == '"')
            {
                int n = rune.EncodeToUtf8(utf8);
                foreach (byte b in utf8[..n])
                {
                    sb.Append(@"\x").Append(b.ToString("X2", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                sb.Append(rune.ToString());
            }
        }
        return sb.ToString();
    }

    private static IEnumerable<Rune> EnumerateRunes(string text)
    {
        for (int i = 0; i < text.Length;)
        {
            if (Rune.TryGetRuneAt(text, i, out var rune))
            {
                yield return rune;
                i += rune.Utf16SequenceLength;
            }
            else
            {
                yield return Rune.ReplacementChar;  // a lone surrogate
                i++;
            }
        }
    }

    private static string Num(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Num(ulong value) => value.ToString(CultureInfo.InvariantCulture);
}
