using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/ipv6_route, no header:
/// <code>
/// fe800000000000000000000000000000 40 00000000000000000000000000000000 00 00000000000000000000000000000000 00000100 00000001 00000000 00000001     eth0
/// </code>
/// destination, its prefix length, source, its prefix length, next hop (addresses in network
/// order), metric, refcount, use, flags (hex), device (<c>%8s</c>).
/// </summary>
internal static class Ipv6RouteParser
{
    public static ParsedTable<Ipv6Route> Parse(ReadOnlyMemory<byte> content, bool cut = false) =>
        ParsedTable<Ipv6Route>.Parse(content, cut, (line, table) =>
        {
            string[] f = line.Fields();
            if (f.Length == 0)
            {
                return null;
            }
            if (f.Length != 10)
            {
                return $"expected 10 columns, found {f.Length}";
            }
            if (!ProcAddress.TryParseIpv6Bytes(f[0], out var destination) || !ProcAddress.TryParseIpv6Bytes(f[2], out var source) ||
                !ProcAddress.TryParseIpv6Bytes(f[4], out var nextHop))
            {
                return "destination, source or next hop is not 32 hex digits";
            }
            if (!Hex(f[1], out uint destLength) || destLength > 128 || !Hex(f[3], out uint sourceLength) || sourceLength > 128 ||
                !Hex(f[5], out uint metric) || !Hex(f[6], out uint refs) || !Hex(f[7], out uint use) || !Hex(f[8], out uint flags))
            {
                return "a prefix length, metric, refcount, use or flags column is not hex";
            }
            table.Entries.Add(new Ipv6Route
            {
                Line = line.Number,
                Destination = destination,
                DestinationPrefixLength = (int)destLength,
                Source = source,
                SourcePrefixLength = (int)sourceLength,
                NextHop = nextHop,
                Metric = metric,
                RefCount = refs,
                Use = use,
                FlagsCode = flags,
                Interface = RawName.FromLatin1(f[9]),
            });
            return null;
        });

    private static bool Hex(string text, out uint value) =>
        uint.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
}
