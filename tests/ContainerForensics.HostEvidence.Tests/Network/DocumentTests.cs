using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.HostEvidence.Network;
using ContainerForensics.HostEvidence.Network.Documents;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class DocumentTests
{
    private static NetworkSnapshot Snapshot(Dictionary<string, string> files, Dictionary<ulong, IReadOnlyList<SocketOwner>>? owners = null) => new()
    {
        Pid = 55,
        NetnsInode = 4026530000,
        Reads = files.ToDictionary(f => f.Key, f => new ProcNetRead
        {
            File = ProcNetFile.All.Single(p => p.Name == f.Key),
            ProcPath = "/proc/55/net/" + f.Key,
            Status = EntryStatus.Collected,
            Content = Encoding.Latin1.GetBytes(f.Value),
            Sha256 = "00",
        }),
        Owners = owners ?? [],
    };

    private static JsonElement Parse(byte[] json) => JsonDocument.Parse(json).RootElement;

    [Fact]
    public void Ipv4_addresses_get_their_interface_from_the_connected_route_or_loopback_and_their_prefix_from_fib_trie()
    {
        var doc = InterfacesDocument.From(Snapshot(new()
        {
            ["dev"] = ProcNetSamples.Dev,
            ["if_inet6"] = ProcNetSamples.IfInet6,
            ["fib_trie"] = ProcNetSamples.FibTrie,
            ["route"] = ProcNetSamples.Route,
        }));
        var json = Parse(doc.ToJson());
        var addresses = json.GetProperty("ipv4Addresses").EnumerateArray().ToList();
        Assert.Equal(2, addresses.Count);  // Main and Local list the same addresses: one each
        Assert.Equal(("127.0.0.1", 8, "lo", "loopback"), (addresses[0].Str("address"), addresses[0].Int("prefixLength"), addresses[0].Str("interface"), addresses[0].Str("interfaceFrom")));
        Assert.Equal(("192.0.2.2", 24, "eth0", "route"), (addresses[1].Str("address"), addresses[1].Int("prefixLength"), addresses[1].Str("interface"), addresses[1].Str("interfaceFrom")));
        Assert.Equal(["Main", "Local"], addresses[1].GetProperty("tables").EnumerateArray().Select(t => t.GetString()));

        var interfaces = json.GetProperty("interfaces").EnumerateArray().ToList();
        Assert.Equal(["lo", "eth0"], interfaces.Select(i => i.Str("name")));
        var eth0 = interfaces[1];
        Assert.Equal((4, 123456789L, 56789L), (eth0.Int("index"), eth0.GetProperty("rxBytes").GetInt64(), eth0.GetProperty("txPackets").GetInt64()));
        Assert.Equal(["fd00::2", "fe80::fc:ff:fe00:1"], eth0.GetProperty("ipv6").EnumerateArray().Select(a => a.Str("address")));
        Assert.Equal("::1", interfaces[0].GetProperty("ipv6")[0].Str("address"));
        Assert.Equal("127.0.0.1", Assert.Single(interfaces[0].GetProperty("ipv4").EnumerateArray()).Str("address"));
    }

    [Fact]
    public void An_address_no_route_explains_has_no_interface_rather_than_a_guess()
    {
        string fib = "Local:\n  +-- 10.9.0.0/16 2 0 2\n     |-- 10.9.8.7\n        /32 host LOCAL\n";
        var doc = InterfacesDocument.From(Snapshot(new() { ["fib_trie"] = fib, ["dev"] = ProcNetSamples.Dev }));
        var a = Assert.Single(Parse(doc.ToJson()).GetProperty("ipv4Addresses").EnumerateArray());
        Assert.Equal(JsonValueKind.Null, a.GetProperty("interface").ValueKind);
        Assert.Equal(JsonValueKind.Null, a.GetProperty("prefixLength").ValueKind);
    }

    [Fact]
    public void Hostile_names_and_commands_cannot_break_the_table_or_the_json()
    {
        string unix = "Num       RefCount Protocol Flags    Type St Inode Path\n" +
                      "0000000000000000: 00000002 00000000 00010000 0001 01 100 /tmp/\x1b]0;pwned\x07\xff\n";
        var owners = new Dictionary<ulong, IReadOnlyList<SocketOwner>>
        {
            [100] = [new SocketOwner(1, 3, "a\"b\nc\u202e\ud800")],
        };
        var doc = SocketsDocument.From(Snapshot(new() { ["unix"] = unix }, owners));

        string text = Encoding.UTF8.GetString(doc.ToText());
        string row = text.Split('\n').Single(l => l.Contains("100", StringComparison.Ordinal) && l.StartsWith("u_str", StringComparison.Ordinal));
        Assert.DoesNotContain(row, c => char.IsControl(c) || c == '\u202e');
        Assert.Contains(@"/tmp/\x1B]0;pwned\x07\xFF", row, StringComparison.Ordinal);
        Assert.Contains(@"users:((""a\x22b\x0Ac\xE2\x80\xAE", row, StringComparison.Ordinal);
        Assert.Equal(4, text.Split('\n').Length);  // comment, header, one row, final newline

        var socket = Parse(doc.ToJson()).GetProperty("sockets")[0];
        Assert.Equal(@"/tmp/\x1B]0;pwned\x07\xFF", socket.Str("path"));
        Assert.Equal(Encoding.Latin1.GetBytes("/tmp/\x1b]0;pwned\x07\xff"), Convert.FromBase64String(socket.Str("pathBase64")));
        Assert.True(socket.GetProperty("listening").GetBoolean());
        // JSON carries any text but a lone surrogate: such a command is written in its escaped form.
        Assert.Equal("a\"b\\x0Ac\\xE2\\x80\\xAE\uFFFD", socket.GetProperty("owners")[0].Str("command"));
    }

    [Fact]
    public void A_file_that_was_not_read_is_a_source_with_nothing_decoded()
    {
        var doc = SocketsDocument.From(Snapshot(new() { ["tcp"] = ProcNetSamples.Tcp }));
        var json = Parse(doc.ToJson());
        var udp = json.GetProperty("sources").EnumerateArray().Single(s => s.Str("file") == "udp");
        Assert.Equal(("not-read", false), (udp.Str("status"), udp.GetProperty("decoded").GetBoolean()));
        Assert.Equal(4, json.GetProperty("sockets").GetArrayLength());
    }
}
