using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/if_inet6, no header:
/// <code>
/// 00000000000000000000000000000001 01 80 10 80       lo
/// </code>
/// address (network order), ifindex, prefix length, scope, flags (all hex), name
/// (<c>"%pi6 %02x %02x %02x %02x %8s"</c>). Absent when IPv6 is disabled in the kernel.
/// </summary>
internal static class IfInet6Parser
{
    public static ParsedTable<InterfaceIpv6Address> Parse(ReadOnlyMemory<byte> content, bool cut = false) =>
        ParsedTable<InterfaceIpv6Address>.Parse(content, cut, (line, table) =>
        {
            string[] f = line.Fields();
            if (f.Length == 0)
            {
                return null;
            }
            if (f.Length != 6)
            {
                return $"expected 6 columns, found {f.Length}";
            }
            if (!ProcAddress.TryParseIpv6Bytes(f[0], out var address))
            {
                return "the address is not 32 hex digits";
            }
            if (!Hex(f[1], out int ifindex) || !Hex(f[2], out int prefix) || prefix > 128 || !Hex(f[3], out int scope) || !Hex(f[4], out int flags))
            {
                return "ifindex, prefix length, scope or flags is not a hex number";
            }
            table.Entries.Add(new InterfaceIpv6Address
            {
                Line = line.Number,
                Address = address,
                InterfaceIndex = ifindex,
                PrefixLength = prefix,
                ScopeCode = scope,
                FlagsCode = flags,
                InterfaceName = RawName.FromLatin1(f[5]),
            });
            return null;
        });

    private static bool Hex(string text, out int value) =>
        int.TryParse(text, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value >= 0;
}
