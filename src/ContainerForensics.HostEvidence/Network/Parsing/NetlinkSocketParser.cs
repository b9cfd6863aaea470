using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/netlink:
/// <code>
/// sk               Eth Pid        Groups   Rmem     Wmem     Dump  Locks    Drops    Inode
/// 0000000000000000 0   1234       00000000 0        0        0     2        0        5678
/// </code>
/// (<c>"%pK %-3d %-10u %08x %-8d %-8d %-5d %-8d %-8u %-8lu"</c>).
/// </summary>
internal static class NetlinkSocketParser
{
    public static ParsedTable<NetlinkSocket> Parse(ReadOnlyMemory<byte> content, bool cut = false) =>
        ParsedTable<NetlinkSocket>.Parse(content, cut, (line, table) =>
        {
            string[] f = line.Fields();
            if (f.Length == 0 || (line.Number == 1 && f[0] == "sk"))
            {
                return null;
            }
            if (f.Length != 10)
            {
                return $"expected 10 columns, found {f.Length}";
            }
            if (!ulong.TryParse(f[0], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out _) ||
                !int.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out int protocol) ||
                !uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint portId) ||
                !uint.TryParse(f[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint groups) ||
                !ulong.TryParse(f[8], NumberStyles.None, CultureInfo.InvariantCulture, out ulong drops) ||
                !ulong.TryParse(f[9], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
            {
                return "a column is not the number it should be";
            }
            table.Entries.Add(new NetlinkSocket
            {
                Line = line.Number,
                ProtocolNumber = protocol,
                Protocol = NetlinkSocket.NameOf(protocol),
                PortId = portId,
                Groups = groups,
                Drops = drops,
                Inode = inode,
            });
            return null;
        });
}
