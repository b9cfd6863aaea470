namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>One line of /proc/net/netlink (net/netlink/af_netlink.c netlink_seq_show).</summary>
internal sealed record NetlinkSocket
{
    public required int Line { get; init; }

    /// <summary>The netlink family ("Eth" column): 0 ROUTE, 4 SOCK_DIAG, 9 AUDIT, 16 GENERIC...</summary>
    public required int ProtocolNumber { get; init; }

    public required string Protocol { get; init; }

    /// <summary>The port id: for a user socket usually the pid of the process that opened it (not necessarily the one holding it now).</summary>
    public required uint PortId { get; init; }

    public required uint Groups { get; init; }

    public required ulong Drops { get; init; }

    public required ulong Inode { get; init; }

    public static string NameOf(int protocol) => protocol switch
    {
        0 => "ROUTE",
        1 => "UNUSED",
        2 => "USERSOCK",
        3 => "FIREWALL",
        4 => "SOCK_DIAG",
        5 => "NFLOG",
        6 => "XFRM",
        7 => "SELINUX",
        8 => "ISCSI",
        9 => "AUDIT",
        10 => "FIB_LOOKUP",
        11 => "CONNECTOR",
        12 => "NETFILTER",
        13 => "IP6_FW",
        14 => "DNRTMSG",
        15 => "KOBJECT_UEVENT",
        16 => "GENERIC",
        18 => "SCSITRANSPORT",
        19 => "ECRYPTFS",
        20 => "RDMA",
        21 => "CRYPTO",
        22 => "SMC",
        _ => "PROTOCOL_" + protocol.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
