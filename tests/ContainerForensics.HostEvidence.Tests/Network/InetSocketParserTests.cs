using System.Globalization;
using System.Net;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class InetSocketParserTests
{
    [Fact]
    public void Reads_a_real_tcp_table_with_listeners_an_established_pair_and_a_time_wait()
    {
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Tcp), "tcp", "tcp", 4, littleEndian: true);
        Assert.Empty(table.Unparsed);
        Assert.Equal(5, table.Lines);
        Assert.Equal(4, table.Entries.Count);

        var listen = table.Entries[0];
        Assert.Equal((IPAddress.Loopback, 38559, "LISTEN", 0x0A, 88321UL, 2), (listen.LocalAddress, listen.LocalPort, listen.State, listen.StateCode, listen.Inode, listen.Line));
        Assert.Equal(IPAddress.Any, table.Entries[1].LocalAddress);
        Assert.Equal(2024, table.Entries[1].LocalPort);

        var established = table.Entries[2];
        Assert.Equal("ESTABLISHED", established.State);
        Assert.Equal((51678, 4444), (established.LocalPort, established.RemotePort));
        Assert.Equal(451130UL, established.Inode);

        var timeWait = table.Entries[3];  // the short TIME_WAIT form: nothing after the inode but refcount and pointer
        Assert.Equal(("TIME_WAIT", 0UL), (timeWait.State, timeWait.Inode));
        Assert.Equal(IPAddress.Parse("10.0.0.2"), timeWait.LocalAddress);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), timeWait.RemoteAddress);
        Assert.Equal(54321, timeWait.RemotePort);
    }

    [Fact]
    public void Reads_a_real_tcp6_table_with_any_loopback_mapped_and_global_addresses()
    {
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Tcp6), "tcp6", "tcp", 6, littleEndian: true);
        Assert.Empty(table.Unparsed);
        Assert.Equal(["::", "::ffff:127.0.0.1", "::1", "2001:db8::1"], table.Entries.Select(e => ProcAddress.Text(e.LocalAddress)));
        Assert.Equal("::ffff:127.0.0.1", ProcAddress.Text(table.Entries[1].RemoteAddress));
        Assert.Equal(51678, table.Entries[1].RemotePort);
        Assert.Equal((16UL, 0UL, 123L), (table.Entries[2].RxQueue, table.Entries[2].TxQueue, table.Entries[2].Uid));
        Assert.Equal("fe80::2fc:ff:fe00:5", ProcAddress.Text(table.Entries[3].RemoteAddress));
        Assert.Equal((0x100UL, 1000L), (table.Entries[3].TxQueue, table.Entries[3].Uid));
        Assert.All(table.Entries, e => Assert.Equal(6, e.IpVersion));
    }

    [Theory]
    [InlineData(0x01, "ESTABLISHED")]
    [InlineData(0x02, "SYN_SENT")]
    [InlineData(0x03, "SYN_RECV")]
    [InlineData(0x04, "FIN_WAIT1")]
    [InlineData(0x05, "FIN_WAIT2")]
    [InlineData(0x06, "TIME_WAIT")]
    [InlineData(0x07, "CLOSE")]
    [InlineData(0x08, "CLOSE_WAIT")]
    [InlineData(0x09, "LAST_ACK")]
    [InlineData(0x0A, "LISTEN")]
    [InlineData(0x0B, "CLOSING")]
    [InlineData(0x0C, "NEW_SYN_RECV")]
    [InlineData(0x0D, "BOUND_INACTIVE")]
    [InlineData(0x0E, "UNKNOWN_0x0E")]
    [InlineData(0xFF, "UNKNOWN_0xFF")]
    public void Every_tcp_state_has_its_kernel_name(int code, string name)
    {
        string line = $"   0: 0100007F:0016 00000000:0000 {code.ToString("X2", CultureInfo.InvariantCulture)} 00000000:00000000 00:00000000 00000000     0        0 42 1 0000000000000000 100 0 0 10 0\n";
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(line), "tcp", "tcp", 4);
        var socket = Assert.Single(table.Entries);
        Assert.Equal((code, name), (socket.StateCode, socket.State));
    }

    [Fact]
    public void Udp_07_is_unconnected_and_01_is_connected()
    {
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Udp), "udp", "udp", 4, littleEndian: true);
        Assert.Empty(table.Unparsed);
        Assert.Equal(["UNCONNECTED", "ESTABLISHED"], table.Entries.Select(e => e.State));
        Assert.Equal((IPAddress.Parse("127.0.0.53"), 53, 101L), (table.Entries[0].LocalAddress, table.Entries[0].LocalPort, table.Entries[0].Uid));
        Assert.Equal((123L, 456L), (table.Entries[0].Slot, table.Entries[1].Slot));
    }

    [Fact]
    public void A_raw_socket_carries_its_ip_protocol_in_the_port_column()
    {
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(ProcNetSamples.Raw), "raw", "raw", 4);
        var socket = Assert.Single(table.Entries);
        Assert.Equal((1, "UNCONNECTED", 44444UL), (socket.LocalPort, socket.State, socket.Inode));
    }

    [Fact]
    public void Malformed_lines_are_recorded_with_their_number_and_the_rest_is_read()
    {
        string text = ProcNetSamples.Tcp.Split('\n')[0] + "\n" +
            "   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 100 1 0 100 0 0 10 0\n" +
            "garbage\n" +
            "   1: 0100007F:00ZZ 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 101\n" +
            "   2: 0100007F 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 102\n" +
            "   3: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 -5\n" +
            "   4: 0100007F:0016 00000000:0000 A 00000000:00000000 00:00000000 00000000     0        0 104\n" +
            "\n" +
            "   5: 0100007F:0017 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 105 1 0 100 0 0 10 0\n";
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(text), "tcp", "tcp", 4);
        Assert.Equal([100UL, 105UL], table.Entries.Select(e => e.Inode));
        Assert.Equal([3, 4, 5, 6, 7], table.Unparsed.Select(u => u.Line));
        Assert.All(table.Unparsed, u => Assert.False(string.IsNullOrEmpty(u.Reason)));
        Assert.Equal("garbage", table.Unparsed[0].Text.Display);
    }

    [Fact]
    public void A_last_line_cut_at_the_read_limit_is_a_fragment_not_an_entry()
    {
        string text = ProcNetSamples.Tcp[..(ProcNetSamples.Tcp.Length - 40)];
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(text), "tcp", "tcp", 4, cut: true);
        Assert.Equal(3, table.Entries.Count);
        Assert.Equal("cut off at the read limit", Assert.Single(table.Unparsed).Reason);
    }

    [Fact]
    public void A_header_in_the_middle_is_not_silently_skipped()
    {
        string header = ProcNetSamples.Tcp.Split('\n')[0] + "\n";
        var table = InetSocketParser.Parse(ProcNetSamples.Bytes(header + header), "tcp", "tcp", 4);
        Assert.Equal(2, Assert.Single(table.Unparsed).Line);
    }
}
