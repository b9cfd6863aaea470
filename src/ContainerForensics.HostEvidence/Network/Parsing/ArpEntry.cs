using System.Net;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One line of /proc/net/arp (net/ipv4/arp.c arp_format_neigh_entry): a neighbour of this namespace.</summary>
internal sealed record ArpEntry
{
    public required int Line { get; init; }

    public required IPAddress Address { get; init; }

    /// <summary>ARPHRD_* (1 is Ethernet).</summary>
    public required int HardwareTypeCode { get; init; }

    public string HardwareType => HardwareTypeCode switch
    {
        1 => "ether",
        24 => "ieee1394",
        32 => "infiniband",
        512 => "ppp",
        768 => "ipip",
        772 => "loopback",
        776 => "sit",
        778 => "gre",
        65534 => "none",
        _ => SocketStates.Unknown(HardwareTypeCode),
    };

    /// <summary>ATF_* flags: 0x02 complete, 0x04 permanent, 0x08 published, 0x20 netmask, 0x40 don't publish.</summary>
    public required int FlagsCode { get; init; }

    public IReadOnlyList<string> Flags => FlagNames.Where(f => (FlagsCode & f.Bit) != 0).Select(f => f.Name).ToList();

    /// <summary>The hardware address as printed ("02:42:ac:11:00:02"; "00:00:00:00:00:00" while incomplete).</summary>
    public required string HardwareAddress { get; init; }

    public required string Mask { get; init; }

    public required RawName Interface { get; init; }

    private static readonly (int Bit, string Name)[] FlagNames =
    [
        (0x02, "complete"), (0x04, "permanent"), (0x08, "published"), (0x10, "trailers"), (0x20, "netmask"), (0x40, "dontpub"),
    ];
}
