namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>The RTF_* bits of the route tables (include/uapi/linux/route.h, include/uapi/linux/ipv6_route.h).</summary>
internal static class RouteFlags
{
    private static readonly (uint Bit, string Name)[] Ipv4 =
    [
        (0x0001, "UP"), (0x0002, "GATEWAY"), (0x0004, "HOST"), (0x0008, "REINSTATE"), (0x0010, "DYNAMIC"),
        (0x0020, "MODIFIED"), (0x0040, "MTU"), (0x0080, "WINDOW"), (0x0100, "IRTT"), (0x0200, "REJECT"),
    ];

    private static readonly (uint Bit, string Name)[] Ipv6 =
    [
        (0x0001, "UP"), (0x0002, "GATEWAY"), (0x0004, "HOST"), (0x0010, "DYNAMIC"), (0x0020, "MODIFIED"),
        (0x0200, "REJECT"), (0x00010000, "DEFAULT"), (0x00020000, "ALLONLINK"), (0x00040000, "ADDRCONF"),
        (0x00080000, "PREFIX_RT"), (0x00100000, "ANYCAST"), (0x00200000, "NONEXTHOP"), (0x00400000, "EXPIRES"),
        (0x00800000, "ROUTEINFO"), (0x01000000, "CACHE"), (0x02000000, "FLOW"), (0x04000000, "POLICY"),
        (0x40000000, "PCPU"), (0x80000000, "LOCAL"),
    ];

    public static IReadOnlyList<string> NamesIpv4(uint flags) => Names(flags, Ipv4);

    public static IReadOnlyList<string> NamesIpv6(uint flags) => Names(flags, Ipv6);

    /// <summary>The names of the set bits; bits without a name as one "0x..." entry, so nothing is dropped.</summary>
    private static List<string> Names(uint flags, (uint Bit, string Name)[] table)
    {
        var names = new List<string>();
        uint known = 0;
        foreach (var (bit, name) in table)
        {
            known |= bit;
            if ((flags & bit) != 0)
            {
                names.Add(name);
            }
        }
        if ((flags & ~known) != 0)
        {
            names.Add("0x" + (flags & ~known).ToString("X", System.Globalization.CultureInfo.InvariantCulture));
        }
        return names;
    }
}
