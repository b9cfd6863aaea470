using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/arp:
/// <code>
/// IP address       HW type     Flags       HW address            Mask     Device
/// 172.17.0.1       0x1         0x2         02:42:8f:2b:3c:4d     *        eth0
/// </code>
/// </summary>
internal static class ArpParser
{
    public static ParsedTable<ArpEntry> Parse(ReadOnlyMemory<byte> content, bool cut = false) =>
        ParsedTable<ArpEntry>.Parse(content, cut, (line, table) =>
        {
            string[] f = line.Fields();
            if (f.Length == 0 || (line.Number == 1 && f[0] == "IP"))
            {
                return null;
            }
            if (f.Length != 6)
            {
                return $"expected 6 columns, found {f.Length}";
            }
            if (!ProcAddress.TryParseDottedQuad(f[0], out var address))
            {
                return "the IP address is not a dotted quad";
            }
            if (!Hex0x(f[1], out int hwType) || !Hex0x(f[2], out int flags))
            {
                return "HW type or flags is not 0x-prefixed hex";
            }
            if (!IsHardwareAddress(f[3]))
            {
                return "the HW address is not colon-separated hex";
            }
            table.Entries.Add(new ArpEntry
            {
                Line = line.Number,
                Address = address,
                HardwareTypeCode = hwType,
                FlagsCode = flags,
                HardwareAddress = f[3].ToLowerInvariant(),
                Mask = f[4],
                Interface = RawName.FromLatin1(f[5]),
            });
            return null;
        });

    private static bool Hex0x(string text, out int value)
    {
        value = 0;
        return text.StartsWith("0x", StringComparison.Ordinal) &&
               int.TryParse(text.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) && value >= 0;
    }

    private static bool IsHardwareAddress(string text) =>
        text.Length is >= 2 and <= 96 && text.Split(':').All(b => b.Length == 2 && b.All(char.IsAsciiHexDigit));
}
