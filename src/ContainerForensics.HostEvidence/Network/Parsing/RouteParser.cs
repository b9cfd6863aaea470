using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/route, tab-separated:
/// <code>
/// Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT
/// eth0	00000000	010011AC	0003	0	0	0	00000000	0	0	0
/// </code>
/// Addresses as one host-order word each, like the socket tables (<see cref="ProcAddress"/>);
/// flags in hex, the rest decimal. Only the main table is listed; local addresses are in fib_trie.
/// </summary>
internal static class RouteParser
{
    public static ParsedTable<Ipv4Route> Parse(ReadOnlyMemory<byte> content, bool cut = false, bool? littleEndian = null)
    {
        bool le = littleEndian ?? BitConverter.IsLittleEndian;
        return ParsedTable<Ipv4Route>.Parse(content, cut, (line, table) =>
        {
            string[] f = line.Fields();
            if (f.Length == 0 || (line.Number == 1 && f[0] == "Iface"))
            {
                return null;
            }
            if (f.Length != 11)
            {
                return $"expected 11 columns, found {f.Length}";
            }
            if (!ProcAddress.TryParseIpv4Word(f[1], le, out var destination) || !ProcAddress.TryParseIpv4Word(f[2], le, out var gateway) ||
                !ProcAddress.TryParseIpv4Word(f[7], le, out var mask))
            {
                return "destination, gateway or mask is not 8 hex digits";
            }
            if (!uint.TryParse(f[3], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out uint flags))
            {
                return "flags are not hex";
            }
            var numbers = new long[6];
            int[] columns = [4, 5, 6, 8, 9, 10];
            for (int i = 0; i < columns.Length; i++)
            {
                if (!long.TryParse(f[columns[i]], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out numbers[i]))
                {
                    return $"column {columns[i] + 1} is not a number";
                }
            }
            table.Entries.Add(new Ipv4Route
            {
                Line = line.Number,
                Interface = RawName.FromLatin1(f[0]),
                Destination = destination,
                Gateway = gateway,
                Mask = mask,
                FlagsCode = flags,
                RefCount = numbers[0],
                Use = numbers[1],
                Metric = numbers[2],
                Mtu = numbers[3],
                Window = numbers[4],
                Irtt = numbers[5],
            });
            return null;
        });
    }
}
