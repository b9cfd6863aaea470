using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/packet:
/// <code>
/// sk               RefCnt Type Proto  Iface R Rmem   User   Inode
/// 0000000000000000 3      3    0003   2     1 0      0      34567
/// </code>
/// (<c>"%pK %-6d %-4d %04x   %-5d %1d %-6u %-6u %-6lu"</c>).
/// </summary>
internal static class PacketSocketParser
{
    public static ParsedTable<PacketSocket> Parse(ReadOnlyMemory<byte> content, bool cut = false) =>
        ParsedTable<PacketSocket>.Parse(content, cut, (line, table) =>
        {
            string[] f = line.Fields();
            if (f.Length == 0 || (line.Number == 1 && f[0] == "sk"))
            {
                return null;
            }
            if (f.Length != 9)
            {
                return $"expected 9 columns, found {f.Length}";
            }
            if (!Hex(f[0], out _) || !uint.TryParse(f[1], NumberStyles.None, CultureInfo.InvariantCulture, out uint refs) ||
                !int.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out int type) ||
                !int.TryParse(f[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int proto) ||
                !int.TryParse(f[4], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int ifindex) ||
                f[5] is not ("0" or "1") ||
                !ulong.TryParse(f[6], NumberStyles.None, CultureInfo.InvariantCulture, out ulong rmem) ||
                !long.TryParse(f[7], NumberStyles.None, CultureInfo.InvariantCulture, out long uid) ||
                !ulong.TryParse(f[8], NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
            {
                return "a column is not the number it should be";
            }
            table.Entries.Add(new PacketSocket
            {
                Line = line.Number,
                RefCount = refs,
                TypeCode = type,
                Type = type switch
                {
                    3 => "RAW",
                    2 => "DGRAM",
                    10 => "PACKET",
                    _ => SocketStates.Unknown(type),
                },
                EtherType = proto,
                EtherTypeName = PacketSocket.NameOfEtherType(proto),
                InterfaceIndex = ifindex,
                Running = f[5] == "1",
                ReceiveMemory = rmem,
                Uid = uid,
                Inode = inode,
            });
            return null;
        });

    private static bool Hex(string text, out ulong value) =>
        ulong.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
