using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using ContainerForensics.Core;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.HostEvidence.Network;

namespace ContainerForensics.HostEvidence.Tests.Network;

public sealed class NetworkNamespaceEvidenceTests : IDisposable
{
    private const int Pid = 4242;
    private const ulong Netns = 4026532999;
    private const string Folder = "network/4026532999";

    private readonly FakeProc _proc = new();

    public void Dispose() => _proc.Dispose();

    private NetworkCollectionSettings Settings => new() { ProcRoot = _proc.Root };

    private FakeProc PlantFullNamespace() => _proc.Process(Pid, Netns)
        .NetFile(Pid, "tcp", ProcNetSamples.Tcp).NetFile(Pid, "tcp6", ProcNetSamples.Tcp6).NetFile(Pid, "udp", ProcNetSamples.Udp)
        .NetFile(Pid, "raw", ProcNetSamples.Raw).NetFile(Pid, "unix", ProcNetSamples.Unix).NetFile(Pid, "packet", ProcNetSamples.Packet)
        .NetFile(Pid, "netlink", ProcNetSamples.Netlink).NetFile(Pid, "dev", ProcNetSamples.Dev).NetFile(Pid, "if_inet6", ProcNetSamples.IfInet6)
        .NetFile(Pid, "fib_trie", ProcNetSamples.FibTrie).NetFile(Pid, "route", ProcNetSamples.Route).NetFile(Pid, "ipv6_route", ProcNetSamples.Ipv6Route)
        .NetFile(Pid, "arp", ProcNetSamples.Arp).NetFile(Pid, "snmp", "Ip: Forwarding\nIp: 1\n");

    [Fact]
    public async Task Raw_files_decoded_documents_and_skipped_absent_files()
    {
        PlantFullNamespace();
        var owners = new Dictionary<ulong, IReadOnlyList<SocketOwner>>
        {
            [88321] = [new SocketOwner(100, 3, "sshd")],
            [451130] = [new SocketOwner(101, 4, "nc"), new SocketOwner(102, 0, "sh")],
            [999999] = [new SocketOwner(103, 7, "smuggler")],
        };
        var sink = new RecordingSink();
        await NetworkNamespaceEvidence.CollectAsync(Settings, Pid, Netns, owners, sink, CancellationToken.None);

        Assert.Empty(sink.Errors);
        var tcp = sink[$"{Folder}/proc-net/tcp"];
        Assert.Equal(EvidenceSection.Volatile, tcp.Item.Section);
        Assert.Equal(EntryStatus.Collected, tcp.Item.Status);
        Assert.Equal(ProcNetSamples.Bytes(ProcNetSamples.Tcp).ToArray(), tcp.Bytes);
        Assert.Contains($"/proc/{Pid}/net/tcp", tcp.Item.Source!.Description, StringComparison.Ordinal);
        Assert.Equal("/proc/4242/net/tcp"u8.ToArray(), tcp.Item.Source.OriginalPath);

        // IPv6-less or module-less kernels: absent files are skipped with the reason, not failures.
        var udp6 = sink[$"{Folder}/proc-net/udp6"];
        Assert.Equal(EntryStatus.Skipped, udp6.Item.Status);
        Assert.Contains("IPv6", udp6.Item.Reason, StringComparison.Ordinal);
        Assert.Null(udp6.Bytes);
        Assert.Equal(EntryStatus.Skipped, sink[$"{Folder}/proc-net/nf_conntrack"].Item.Status);
        Assert.Equal(EntryStatus.Collected, sink[$"{Folder}/proc-net/snmp"].Item.Status);

        var sockets = sink[$"{Folder}/sockets.json"].Json;
        Assert.Equal(Netns, sockets.GetProperty("netnsInode").GetUInt64());
        Assert.Equal(Pid, sockets.Int("pid"));
        var all = NetworkTestHelpers.Sockets(sockets).ToList();
        var sshd = all.Single(s => s.Str("protocol") == "tcp" && s.Int("localPort") == 38559);
        Assert.Equal(("127.0.0.1", "LISTEN", 10), (sshd.Str("localAddress"), sshd.Str("state"), sshd.Int("stateCode")));
        Assert.Equal([100], NetworkTestHelpers.OwnerPids(sshd));
        var pair = all.Single(s => s.GetProperty("inode").GetUInt64() == 451130);
        Assert.Equal([101, 102], NetworkTestHelpers.OwnerPids(pair));
        Assert.Equal("nc", pair.GetProperty("owners")[0].Str("command"));
        var nobody = all.Single(s => s.Int("line") == 4 && s.Str("file") == "tcp6");
        Assert.Equal("::1", nobody.Str("localAddress"));
        Assert.Empty(NetworkTestHelpers.OwnerPids(nobody));
        var mapped = all.Single(s => s.GetProperty("inode").GetUInt64() == 451098);
        Assert.Equal(("::ffff:127.0.0.1", "127.0.0.1", "127.0.0.1"), (mapped.Str("localAddress"), mapped.Str("localIpv4Mapped"), mapped.Str("remoteIpv4Mapped")));
        Assert.False(sshd.TryGetProperty("localIpv4Mapped", out _));
        Assert.Equal(3, all.Count(s => s.Str("protocol") == "netlink"));
        Assert.Equal(2, all.Count(s => s.Str("protocol") == "packet"));
        Assert.Equal("eth0", all.First(s => s.Str("protocol") == "packet").Str("interface"));
        var raw = all.Single(s => s.Str("protocol") == "raw");
        Assert.Equal((1, "icmp"), (raw.Int("ipProtocol"), raw.Str("ipProtocolName")));
        var smuggled = Assert.Single(sockets.GetProperty("ownedSocketsNotListed").EnumerateArray());
        Assert.Equal(999999UL, smuggled.GetProperty("inode").GetUInt64());

        // Each decoded document names the exact bytes it came from: those archived as proc-net/<name>.
        var tcpSource = sockets.GetProperty("sources").EnumerateArray().Single(s => s.Str("file") == "tcp");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(tcp.Bytes!)), tcpSource.Str("sha256"));
        Assert.Equal(("collected", 4), (tcpSource.Str("status"), tcpSource.Int("entries")));
        var udp6Source = sockets.GetProperty("sources").EnumerateArray().Single(s => s.Str("file") == "udp6");
        Assert.Equal(("skipped", false), (udp6Source.Str("status"), udp6Source.GetProperty("decoded").GetBoolean()));

        string text = sink[$"{Folder}/sockets.txt"].Text;
        Assert.Contains("users:((\"sshd\",pid=100,fd=3))", text, StringComparison.Ordinal);
        Assert.Contains("[::ffff:127.0.0.1]:4444", text, StringComparison.Ordinal);
        Assert.Contains("NOT-LISTED", text, StringComparison.Ordinal);

        var interfaces = sink[$"{Folder}/interfaces.json"].Json;
        var eth0 = interfaces.GetProperty("interfaces").EnumerateArray().Single(i => i.Str("name") == "eth0");
        Assert.Equal("192.0.2.2", Assert.Single(eth0.GetProperty("ipv4").EnumerateArray()).Str("address"));
        var routes = sink[$"{Folder}/routes.json"].Json;
        Assert.Equal(2, routes.GetProperty("ipv4").GetArrayLength());
        Assert.Equal(4, routes.GetProperty("ipv6").GetArrayLength());
        var arp = sink[$"{Folder}/arp.json"].Json;
        Assert.Equal(2, arp.GetProperty("entries").GetArrayLength());
    }

    [Fact]
    public async Task A_process_in_another_namespace_is_not_read_at_all()
    {
        PlantFullNamespace();
        var sink = new RecordingSink();
        await NetworkNamespaceEvidence.CollectAsync(Settings, Pid, Netns + 1, null, sink, CancellationToken.None);
        Assert.Empty(sink.Items);
        Assert.Contains("net:[4026532999], not in this namespace", Assert.Single(sink.ErrorTexts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_that_is_gone_is_one_error_not_an_exception()
    {
        var sink = new RecordingSink();
        await NetworkNamespaceEvidence.CollectAsync(Settings, 99999, Netns, null, sink, CancellationToken.None);
        Assert.Empty(sink.Items);
        Assert.Contains("cannot be opened", Assert.Single(sink.ErrorTexts), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_process_without_net_files_yields_skips_and_empty_documents()
    {
        _proc.Process(Pid, Netns);
        var sink = new RecordingSink();
        await NetworkNamespaceEvidence.CollectAsync(Settings, Pid, Netns, null, sink, CancellationToken.None);
        Assert.Empty(sink.Errors);
        Assert.All(sink.Items.Where(i => i.Item.Name!.Contains("/proc-net/", StringComparison.Ordinal)), i => Assert.Equal(EntryStatus.Skipped, i.Item.Status));
        Assert.Empty(sink[$"{Folder}/sockets.json"].Json.GetProperty("sockets").EnumerateArray());
    }

    [Fact]
    public async Task Cancellation_is_the_one_exception()
    {
        PlantFullNamespace();
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            NetworkNamespaceEvidence.CollectAsync(Settings, Pid, Netns, null, new RecordingSink(), cts.Token));
    }

    [Fact]
    public async Task A_file_over_the_decode_limit_is_archived_whole_and_decoded_in_part()
    {
        PlantFullNamespace();
        var sink = new RecordingSink();
        await NetworkNamespaceEvidence.CollectAsync(Settings with { MaxDecodedBytes = 400 }, Pid, Netns, null, sink, CancellationToken.None);
        Assert.Empty(sink.Errors);
        var tcp = sink[$"{Folder}/proc-net/tcp"];
        Assert.Equal(ProcNetSamples.Bytes(ProcNetSamples.Tcp).ToArray(), tcp.Bytes);
        Assert.Contains("decode limit", tcp.Item.Reason, StringComparison.Ordinal);
        var source = sink[$"{Folder}/sockets.json"].Json.GetProperty("sources").EnumerateArray().Single(s => s.Str("file") == "tcp");
        Assert.True(source.GetProperty("decodedPrefixOnly").GetBoolean());
        Assert.Equal(400, source.Int("bytes"));
        Assert.Equal("cut off at the read limit", source.GetProperty("unparsed")[0].Str("reason"));
    }

    [Fact]
    public async Task One_piece_failing_in_the_sink_does_not_stop_the_others()
    {
        PlantFullNamespace();
        var sink = new RecordingSink { FailOn = item => item.Name!.EndsWith("/proc-net/tcp", StringComparison.Ordinal) ? new IOException("disk full") : null };
        await NetworkNamespaceEvidence.CollectAsync(Settings, Pid, Netns, null, sink, CancellationToken.None);
        Assert.Contains(sink.ErrorTexts, e => e.Contains("proc-net/tcp failed: disk full", StringComparison.Ordinal));
        Assert.True(sink.Has($"{Folder}/proc-net/tcp6"));
        Assert.True(sink.Has($"{Folder}/sockets.json"));
    }

    [Fact]
    public async Task A_broken_archive_output_stops_the_collection()
    {
        PlantFullNamespace();
        var sink = new RecordingSink { FailOn = _ => new ArchiveOutputException("output gone") };
        await Assert.ThrowsAsync<ArchiveOutputException>(() => NetworkNamespaceEvidence.CollectAsync(Settings, Pid, Netns, null, sink, CancellationToken.None));
    }

    [Fact]
    public async Task Our_own_namespace_shows_our_listener_and_connection_owned_by_us()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var server = await listener.AcceptTcpClientAsync();
        int clientPort = ((IPEndPoint)client.Client.LocalEndPoint!).Port;

        int self = Environment.ProcessId;
        ulong netns = NetworkTestHelpers.NetnsInode(self);
        var owners = SocketOwners.FromProcesses([self]);
        var sink = new RecordingSink();
        await NetworkNamespaceEvidence.CollectAsync(self, netns, owners, sink, CancellationToken.None);

        Assert.Empty(sink.Errors);
        var sockets = NetworkTestHelpers.Sockets(sink[$"network/{netns}/sockets.json"].Json).Where(s => s.Str("protocol") == "tcp").ToList();
        var listening = sockets.Single(s => s.Str("state") == "LISTEN" && s.Int("localPort") == port);
        Assert.Contains(self, NetworkTestHelpers.OwnerPids(listening));
        var ours = sockets.Single(s => s.Str("state") == "ESTABLISHED" && s.Int("localPort") == clientPort && s.Int("remotePort") == port);
        Assert.Equal("127.0.0.1", NetworkTestHelpers.Ipv4(ours, "remote"));
        Assert.Contains(self, NetworkTestHelpers.OwnerPids(ours));
        var theirs = sockets.Single(s => s.Str("state") == "ESTABLISHED" && s.Int("localPort") == port && s.Int("remotePort") == clientPort);
        Assert.Contains(self, NetworkTestHelpers.OwnerPids(theirs));
        var lo = sink[$"network/{netns}/interfaces.json"].Json.GetProperty("interfaces").EnumerateArray().Single(i => i.Str("name") == "lo");
        Assert.Contains(lo.GetProperty("ipv4").EnumerateArray(), a => a.Str("address") == "127.0.0.1");
    }
}
