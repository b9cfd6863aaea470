namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// A file of /proc/&lt;pid&gt;/net that is captured, and why. Required files are there on every
/// kernel with the feature (IPv6, AF_PACKET); optional ones depend on modules and config.
/// Either kind, when absent, is recorded as skipped with the reason: a kernel without IPv6 has
/// nothing to collect there, which is not a failure of the collection.
/// </summary>
internal sealed record ProcNetFile(string Name, bool Required, string WhenAbsent)
{
    private const string Ipv6 = "IPv6 is not available in this kernel (ipv6.disable=1, or the module is not loaded)";

    /// <summary>
    /// In reading order: the sockets first (they change fastest), then addresses and routes,
    /// then counters and the rest. All are read before any is written, so together they are
    /// one snapshot as close in time as /proc allows.
    /// </summary>
    public static readonly IReadOnlyList<ProcNetFile> All =
    [
        new("tcp", true, "the kernel has no IPv4 TCP table"),
        new("tcp6", true, Ipv6),
        new("udp", true, "the kernel has no IPv4 UDP table"),
        new("udp6", true, Ipv6),
        new("udplite", false, "UDP-Lite is not built into this kernel"),
        new("udplite6", false, "UDP-Lite over IPv6 is not available in this kernel"),
        new("raw", true, "the kernel has no IPv4 raw socket table"),
        new("raw6", true, Ipv6),
        new("icmp", false, "this kernel lists no ping sockets"),
        new("icmp6", false, "this kernel lists no IPv6 ping sockets"),
        new("unix", true, "AF_UNIX is not available in this kernel"),
        new("packet", true, "AF_PACKET is not available in this kernel (CONFIG_PACKET)"),
        new("netlink", false, "this kernel does not list netlink sockets"),
        new("dev", true, "this kernel does not list interfaces in /proc/net/dev"),
        new("if_inet6", true, Ipv6),
        new("fib_trie", true, "this kernel does not expose the IPv4 FIB trie"),
        new("route", true, "this kernel does not list IPv4 routes"),
        new("ipv6_route", true, Ipv6),
        new("arp", true, "this kernel does not list the ARP table"),
        new("igmp", false, "no IPv4 multicast support in this kernel"),
        new("igmp6", false, "no IPv6 multicast support in this kernel"),
        new("anycast6", false, Ipv6),
        new("dev_mcast", false, "no multicast address list in this kernel"),
        new("snmp", false, "no SNMP counters in this kernel"),
        new("snmp6", false, Ipv6),
        new("netstat", false, "no extended TCP/IP counters in this kernel"),
        new("sockstat", false, "no socket statistics in this kernel"),
        new("sockstat6", false, Ipv6),
        new("nf_conntrack", false, "connection tracking is not loaded or has no /proc interface (CONFIG_NF_CONNTRACK_PROCFS)"),
    ];
}
