using System.Globalization;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// /proc/net/dev: two header lines, then <c>"%6s: %7llu %7llu ..."</c>, sixteen counters per
/// interface. Interface names cannot hold ':' or white space (dev_valid_name), so the name is
/// everything before the first ':', without the padding.
/// </summary>
internal static class DevParser
{
    public static ParsedTable<InterfaceCounters> Parse(ReadOnlyMemory<byte> content, bool cut = false) =>
        ParsedTable<InterfaceCounters>.Parse(content, cut, (line, table) =>
        {
            string text = line.Text;
            if (line.Number <= 2 && text.Contains('|', StringComparison.Ordinal))
            {
                return null;  // "Inter-|   Receive ..." and " face |bytes ..."
            }
            if (text.Trim().Length == 0)
            {
                return null;
            }
            int colon = text.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                return "no ':' after an interface name";
            }
            string name = text[..colon].TrimStart(' ');
            if (name.Length == 0 || name.Contains(' ', StringComparison.Ordinal))
            {
                return "the interface name is empty or holds a space";
            }
            string[] numbers = text[(colon + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (numbers.Length != 16)
            {
                return $"expected 16 counters, found {numbers.Length}";
            }
            var counters = new ulong[16];
            for (int i = 0; i < 16; i++)
            {
                if (!ulong.TryParse(numbers[i], NumberStyles.None, CultureInfo.InvariantCulture, out counters[i]))
                {
                    return $"counter {InterfaceCounters.CounterNames[i]} is not a number";
                }
            }
            table.Entries.Add(new InterfaceCounters { Line = line.Number, Name = RawName.FromLatin1(name), Counters = counters });
            return null;
        });
}
