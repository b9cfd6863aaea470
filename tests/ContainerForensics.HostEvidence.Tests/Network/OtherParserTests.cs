using System.Net;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class OtherParserTests
{
    [Fact]
    public void Packet_sockets_with_ether_type_interface_and_owner_uid()
    {
        var table = PacketSocketParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Packet));
        Assert.Empty(table.Unparsed);
        var sniffer = table.Entries[0];
        Assert.Equal(("RAW", 3, "ETH_P_ALL", 4, true, 34567UL), (sniffer.Type, sniffer.EtherType, sniffer.EtherTypeName, sniffer.InterfaceIndex, sniffer.Running, sniffer.Inode));
        Assert.Equal(("DGRAM", "ETH_P_IP", 1000L), (table.Entries[1].Type, table.Entries[1].EtherTypeName, table.Entries[1].Uid));
    }

    [Fact]
    public void Netlink_sockets_with_family_and_port_id()
    {
        var table = NetlinkSocketParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Netlink));
        Assert.Empty(table.Unparsed);
        Assert.Equal(["ROUTE", "SOCK_DIAG", "ROUTE"], table.Entries.Select(e => e.Protocol));
        Assert.Equal((4242u, 0x551u, 8888UL), (table.Entries[2].PortId, table.Entries[2].Groups, table.Entries[2].Inode));
    }

    [Fact]
    public void Dev_gives_every_counter_of_every_interface()
    {
        var table = DevParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Dev));
        Assert.Empty(table.Unparsed);
        Assert.Equal(["lo", "eth0"], table.Entries.Select(e => e.Name.Display));
        Assert.Equal(8878754UL, table.Entries[0].Counters[0]);
        Assert.Equal([123456789UL, 98765, 1, 2, 3, 4, 5, 6, 987654321, 56789, 7, 8, 9, 10, 11, 12], table.Entries[1].Counters);
    }

    [Fact]
    public void Dev_records_a_short_line_and_reads_on()
    {
        string text = ProcNetSamples.Dev.Replace("  eth0: 123456789  98765", "  eth0: 123456789", StringComparison.Ordinal) + "  eth1:" + string.Concat(Enumerable.Repeat(" 1", 16)) + "\n";
        var table = DevParser.Parse(ProcNetSamples.Bytes(text));
        Assert.Equal(["lo", "eth1"], table.Entries.Select(e => e.Name.Display));
        Assert.Equal(4, Assert.Single(table.Unparsed).Line);
    }

    [Fact]
    public void If_inet6_gives_address_prefix_scope_and_flags()
    {
        var table = IfInet6Parser.Parse(ProcNetSamples.Bytes(ProcNetSamples.IfInet6));
        Assert.Empty(table.Unparsed);
        var global = table.Entries[0];
        Assert.Equal((IPAddress.Parse("fd00::2"), 4, 64, "global", "eth0"), (global.Address, global.InterfaceIndex, global.PrefixLength, global.Scope, global.InterfaceName.Display));
        Assert.Equal(["nodad", "permanent"], global.Flags);
        Assert.Equal((IPAddress.Parse("fe80::fc:ff:fe00:1"), "link"), (table.Entries[1].Address, table.Entries[1].Scope));
        var lo = table.Entries[2];
        Assert.Equal((IPAddress.IPv6Loopback, 1, 128, "host", "lo"), (lo.Address, lo.InterfaceIndex, lo.PrefixLength, lo.Scope, lo.InterfaceName.Display));
    }

    [Fact]
    public void Fib_trie_gives_every_route_of_every_leaf_with_its_table()
    {
        var table = FibTrieParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.FibTrie));
        Assert.Empty(table.Unparsed);
        var locals = table.Entries.Where(e => e.IsLocalAddress).ToList();
        Assert.Equal(["127.0.0.1", "192.0.2.2", "127.0.0.1", "192.0.2.2"], locals.Select(e => e.Prefix.ToString()));
        Assert.Equal(["Main", "Main", "Local", "Local"], locals.Select(e => e.Table));
        var net = table.Entries.First(e => e.Type == "UNICAST" && e.Scope == "link");
        Assert.Equal((IPAddress.Parse("192.0.2.0"), 24, 16), (net.Prefix, net.PrefixLength, net.Line));
    }

    [Fact]
    public void Fib_trie_route_lines_may_carry_a_tos_and_bad_lines_are_recorded()
    {
        string text = "Local:\n  +-- 10.0.0.0/8 2 0 2\n     |-- 10.0.0.1\n        /32 host LOCAL tos=16\n        /32 host\n     |-- 10.0.0.300\n        /32 host LOCAL\n   ??\n";
        var table = FibTrieParser.Parse(ProcNetSamples.Bytes(text));
        var entry = Assert.Single(table.Entries);
        Assert.Equal((16, "Local"), (entry.Tos, entry.Table));
        Assert.Equal([5, 6, 7, 8], table.Unparsed.Select(u => u.Line));
    }

    [Fact]
    public void Route_gives_destination_gateway_mask_and_flags()
    {
        var table = RouteParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Route), littleEndian: true);
        Assert.Empty(table.Unparsed);
        var def = table.Entries[0];
        Assert.Equal((IPAddress.Any, IPAddress.Parse("192.0.2.1"), (int?)0, "eth0"), (def.Destination, def.Gateway, def.PrefixLength, def.Interface.Display));
        Assert.Equal(["UP", "GATEWAY"], def.Flags);
        var net = table.Entries[1];
        Assert.Equal((IPAddress.Parse("192.0.2.0"), IPAddress.Parse("255.255.255.0"), (int?)24), (net.Destination, net.Mask, net.PrefixLength));
        Assert.Equal(["UP"], net.Flags);
    }

    [Fact]
    public void Ipv6_route_gives_prefixes_next_hop_metric_and_flags()
    {
        var table = Ipv6RouteParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Ipv6Route));
        Assert.Empty(table.Unparsed);
        Assert.Equal((IPAddress.Parse("fd00::"), 64, 256u, "eth0"), (table.Entries[0].Destination, table.Entries[0].DestinationPrefixLength, table.Entries[0].Metric, table.Entries[0].Interface.Display));
        Assert.Equal(IPAddress.Parse("fd00::1"), table.Entries[1].NextHop);
        Assert.Equal(["UP", "GATEWAY"], table.Entries[1].Flags);
        Assert.Equal(["UP", "NONEXTHOP", "LOCAL"], table.Entries[2].Flags);
        Assert.Equal(["REJECT", "NONEXTHOP"], table.Entries[3].Flags);
        Assert.Equal(uint.MaxValue, table.Entries[3].Metric);
    }

    [Fact]
    public void Arp_gives_neighbours_with_flags()
    {
        var table = ArpParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Arp));
        Assert.Empty(table.Unparsed);
        Assert.Equal((IPAddress.Parse("192.0.2.1"), "ether", "02:fc:00:00:00:05", "eth0"), (table.Entries[0].Address, table.Entries[0].HardwareType, table.Entries[0].HardwareAddress, table.Entries[0].Interface.Display));
        Assert.Equal(["complete"], table.Entries[0].Flags);
        Assert.Empty(table.Entries[1].Flags);
    }

    [Fact]
    public void Unknown_route_flag_bits_are_kept_as_hex()
    {
        Assert.Equal(["UP", "0x8000"], RouteFlags.NamesIpv4(0x8001));
    }
}
