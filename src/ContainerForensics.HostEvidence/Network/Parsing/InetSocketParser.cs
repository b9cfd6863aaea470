using System.Globalization;
using System.Net.Sockets;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// The inet socket tables. Every line has, after the header:
/// <code>
///   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ...
///    0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 ...
/// </code>
/// (net/ipv4/tcp_ipv4.c tcp4_seq_show, udp.c udp4_format_sock, raw.c, ping.c and their IPv6
/// twins). TIME_WAIT and request lines end after the inode (always 0 there); the columns after
/// the inode vary by protocol and are not decoded. Addresses: see <see cref="ProcAddress"/>.
/// </summary>
internal static class InetSocketParser
{
    public static ParsedTable<InetSocket> Parse(ReadOnlyMemory<byte> content, string file, string protocol, int ipVersion, bool cut = false, bool? littleEndian = null) =>
        ParsedTable<InetSocket>.Parse(content, cut, (line, table) =>
        {
            string[] f = line.Fields();
            if (f.Length == 0)
            {
                return null;
            }
            if (line.Number == 1 && f[0] == "sl")
            {
                return null;  // the header
            }
            if (f.Length < 10)
            {
                return $"expected at least 10 columns, found {f.Length}";
            }
            if (!f[0].EndsWith(':') || !long.TryParse(f[0].AsSpan(0, f[0].Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out long slot))
            {
                return "the first column is not a slot number (\"N:\")";
            }
            bool le = littleEndian ?? BitConverter.IsLittleEndian;
            var family = ipVersion == 6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork;
            if (!ProcAddress.TryParseEndpoint(f[1], family, le, out var local, out int localPort))
            {
                return $"local address is not an IPv{ipVersion} ADDR:PORT in hex";
            }
            if (!ProcAddress.TryParseEndpoint(f[2], family, le, out var remote, out int remotePort))
            {
                return $"remote address is not an IPv{ipVersion} ADDR:PORT in hex";
            }
            if (f[3].Length != 2 || !int.TryParse(f[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int st))
            {
                return "state is not two hex digits";
            }
            if (!TryHexPair(f[4], out ulong tx, out ulong rx))
            {
                return "tx_queue:rx_queue is not two hex numbers";
            }
            if (!long.TryParse(f[7], NumberStyles.None, CultureInfo.InvariantCulture, out long uid))
            {
                return "uid is not a number";
            }
            if (!ulong.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
            {
                return "inode is not a number";
            }
            table.Entries.Add(new InetSocket
            {
                Protocol = protocol,
                IpVersion = ipVersion,
                File = file,
                Line = line.Number,
                Slot = slot,
                LocalAddress = local,
                LocalPort = localPort,
                RemoteAddress = remote,
                RemotePort = remotePort,
                StateCode = st,
                State = protocol == "tcp" ? SocketStates.Tcp(st) : SocketStates.Datagram(st),
                TxQueue = tx,
                RxQueue = rx,
                Uid = uid,
                Inode = inode,
            });
            return null;
        });

    private static bool TryHexPair(string text, out ulong first, out ulong second)
    {
        second = 0;
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        first = 0;
        return colon > 0 &&
               ulong.TryParse(text.AsSpan(0, colon), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out first) &&
               ulong.TryParse(text.AsSpan(colon + 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out second);
    }
}
