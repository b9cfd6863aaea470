namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One line of /proc/net/packet (net/packet/af_packet.c packet_seq_show): an AF_PACKET socket, a sniffer or raw frame sender.</summary>
internal sealed record PacketSocket
{
    public required int Line { get; init; }

    public required uint RefCount { get; init; }

    /// <summary>3 RAW (whole frames), 2 DGRAM (cooked), 10 PACKET (obsolete SOCK_PACKET).</summary>
    public required int TypeCode { get; init; }

    public required string Type { get; init; }

    /// <summary>The Ethernet protocol it receives (host order): 0x0003 ETH_P_ALL is everything, 0 nothing yet.</summary>
    public required int EtherType { get; init; }

    public required string? EtherTypeName { get; init; }

    /// <summary>The interface index it is bound to; 0 means all interfaces.</summary>
    public required int InterfaceIndex { get; init; }

    public required bool Running { get; init; }

    public required ulong ReceiveMemory { get; init; }

    public required long Uid { get; init; }

    public required ulong Inode { get; init; }

    public static string? NameOfEtherType(int type) => type switch
    {
        0x0003 => "ETH_P_ALL",
        0x0800 => "ETH_P_IP",
        0x0806 => "ETH_P_ARP",
        0x86DD => "ETH_P_IPV6",
        0x8100 => "ETH_P_8021Q",
        0x88CC => "ETH_P_LLDP",
        0x888E => "ETH_P_PAE",
        0x0004 => "ETH_P_802_2",
        _ => null,
    };
}
