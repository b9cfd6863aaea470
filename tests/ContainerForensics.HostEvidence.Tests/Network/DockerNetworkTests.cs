using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.HostEvidence.Network;
using ContainerForensics.HostEvidence.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Network;

/// <summary>
/// A real container of the rig's dockerd (--network none: its own namespace with only lo). In
/// it, busybox nc listens on 4444 (<c>-ll -e cat</c>: a persistent server, so the listening
/// socket stays while a forked cat serves the accepted connection; plain <c>-l</c> closes the
/// listener after one accept), and a second nc, started with docker exec, stays connected.
/// The collector reads all of it from the host's /proc alone.
/// </summary>
public sealed class DockerNetworkTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly DockerCli _docker = new();

    public void Dispose() => _docker.Dispose();

    [EngineFact(Engine.Docker)]
    public async Task Listener_and_connected_pair_inside_a_container_with_their_owners_and_nothing_of_the_host()
    {
        string name = DockerCli.NewName("net");
        _docker.RunDetached(name, ["nc", "-ll", "-p", "4444", "-e", "cat"]);
        int init = _docker.InitPid(name);
        Assert.True(init > 0, "the container is not running");
        ulong netns = NetworkTestHelpers.NetnsInode(init);
        Assert.NotEqual(NetworkTestHelpers.NetnsInode(Environment.ProcessId), netns);
        await WaitForAsync(() => File.ReadAllText($"/proc/{init}/net/tcp6").Contains(":115C 00000000000000000000000000000000:0000 0A", StringComparison.Ordinal) ||
                                 File.ReadAllText($"/proc/{init}/net/tcp").Contains(":115C 00000000:0000 0A", StringComparison.Ordinal), "the listener on 4444");

        _docker.Run(["exec", "-d", name, "sh", "-c", "sleep 3600 | nc 127.0.0.1 4444"]);
        int client = 0, server = 0;
        IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>> owners = new Dictionary<ulong, IReadOnlyList<SocketOwner>>();
        await WaitForAsync(() =>
        {
            var pids = ContainerPids(init);
            client = pids.FirstOrDefault(p => p != init && Comm(p) == "nc");
            server = pids.FirstOrDefault(p => Comm(p) == "cat" && ParentOf(p) == init);
            owners = SocketOwners.FromProcesses(pids);
            return client > 0 && server > 0 && owners.Values.Any(o => o.Any(x => x.Pid == client)) && owners.Values.Any(o => o.Any(x => x.Pid == server));
        }, "the connected client (nc) and the server's forked cat");

        // A listener in the HOST's namespace, which must not leak into the container's evidence.
        using var hostListener = new TcpListener(IPAddress.Loopback, 0);
        hostListener.Start();
        int hostPort = ((IPEndPoint)hostListener.LocalEndpoint).Port;

        var sink = new RecordingSink();
        using var hang = new CancellationTokenSource(Patience);
        await NetworkNamespaceEvidence.CollectAsync(init, netns, owners, sink, hang.Token);

        Assert.Empty(sink.Errors);
        string folder = $"network/{netns}";
        var rawTcp = sink[$"{folder}/proc-net/tcp"];
        Assert.Equal(EntryStatus.Collected, rawTcp.Item.Status);
        Assert.NotNull(rawTcp.Bytes);
        Assert.Equal(EntryStatus.Collected, sink[$"{folder}/proc-net/tcp6"].Item.Status);

        var doc = sink[$"{folder}/sockets.json"].Json;
        Assert.Equal(netns, doc.GetProperty("netnsInode").GetUInt64());
        var tcp = NetworkTestHelpers.Sockets(doc).Where(s => s.Str("protocol") == "tcp").ToList();

        var listener = Assert.Single(tcp, s => s.Str("state") == "LISTEN" && s.Int("localPort") == 4444);
        Assert.Contains(listener.Str("localAddress"), new[] { "0.0.0.0", "::" });
        Assert.Contains(init, NetworkTestHelpers.OwnerPids(listener));

        var clientEnd = Assert.Single(tcp, s => s.Str("state") == "ESTABLISHED" && s.Int("remotePort") == 4444);
        int ephemeral = clientEnd.Int("localPort");
        Assert.Equal(("127.0.0.1", "127.0.0.1"), (NetworkTestHelpers.Ipv4(clientEnd, "local"), NetworkTestHelpers.Ipv4(clientEnd, "remote")));
        Assert.Equal([client], NetworkTestHelpers.OwnerPids(clientEnd));
        Assert.Equal("nc", clientEnd.GetProperty("owners")[0].Str("command"));

        var serverEnd = Assert.Single(tcp, s => s.Str("state") == "ESTABLISHED" && s.Int("localPort") == 4444);
        Assert.Equal(ephemeral, serverEnd.Int("remotePort"));
        Assert.Equal(("127.0.0.1", "127.0.0.1"), (NetworkTestHelpers.Ipv4(serverEnd, "local"), NetworkTestHelpers.Ipv4(serverEnd, "remote")));
        Assert.Contains(server, NetworkTestHelpers.OwnerPids(serverEnd));
        Assert.DoesNotContain(client, NetworkTestHelpers.OwnerPids(serverEnd));

        // Nothing of the host's namespace: not our listener, nor any of the host's sockets.
        Assert.DoesNotContain(tcp, s => s.Int("localPort") == hostPort);
        Assert.Equal(3, tcp.Count);

        string text = sink[$"{folder}/sockets.txt"].Text;
        Assert.Contains($"users:((\"nc\",pid={client},", text, StringComparison.Ordinal);

        var interfaces = sink[$"{folder}/interfaces.json"].Json.GetProperty("interfaces").EnumerateArray().ToList();
        var lo = Assert.Single(interfaces);
        Assert.Equal("lo", lo.Str("name"));
        var v4 = Assert.Single(lo.GetProperty("ipv4").EnumerateArray());
        Assert.Equal(("127.0.0.1", 8, "loopback"), (v4.Str("address"), v4.Int("prefixLength"), v4.Str("interfaceFrom")));

        Assert.True(sink.Has($"{folder}/routes.json"));
        Assert.True(sink.Has($"{folder}/arp.json"));
        Assert.Empty(sink[$"{folder}/arp.json"].Json.GetProperty("entries").EnumerateArray());
        AssertNoUnparsed(sink[$"{folder}/sockets.json"].Json);
        AssertNoUnparsed(sink[$"{folder}/interfaces.json"].Json);
        AssertNoUnparsed(sink[$"{folder}/routes.json"].Json);
    }

    private static void AssertNoUnparsed(JsonElement doc)
    {
        foreach (var source in doc.GetProperty("sources").EnumerateArray())
        {
            Assert.True(source.GetProperty("unparsed").GetArrayLength() == 0, $"{source.Str("file")}: {source.GetProperty("unparsed")}");
        }
    }

    /// <summary>The processes in the same PID namespace as <paramref name="init"/>, seen from the host.</summary>
    private static List<int> ContainerPids(int init)
    {
        ulong pidns = NetworkTestHelpers.NamespaceInode(init, "pid");
        var pids = new List<int>();
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }
            try
            {
                if (NetworkTestHelpers.NamespaceInode(pid, "pid") == pidns)
                {
                    pids.Add(pid);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidOperationException or FormatException)
            {
                // exited meanwhile
            }
        }
        return pids;
    }

    private static string Comm(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").TrimEnd('\n');
        }
        catch (IOException)
        {
            return "";
        }
    }

    private static int ParentOf(int pid)
    {
        try
        {
            string? line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("PPid:", StringComparison.Ordinal));
            return line is null ? 0 : int.Parse(line.AsSpan(5).Trim(), CultureInfo.InvariantCulture);
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Polls until true; the deadline is a hang guard, not a timing assertion.</summary>
    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            try
            {
                if (condition())
                {
                    return;
                }
            }
            catch (IOException)
            {
                // a process went away between listing and reading: look again
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what} after {Patience}");
            }
            await Task.Delay(200);
        }
    }
}
