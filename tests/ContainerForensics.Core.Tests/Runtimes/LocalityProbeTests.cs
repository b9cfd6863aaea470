using System.Net.Sockets;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.Runtimes;

/// <summary>
/// Where a daemon on a unix socket runs is the kernel's answer about whoever listens on it
/// (SO_PEERCRED, its ns/pid), not a guess from the path.
/// </summary>
public sealed class LocalityProbeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-locality-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_listener_in_cfir_s_own_namespaces_is_on_this_host()
    {
        string path = Path.Join(_dir, "here.sock");
        using var listener = Listen(path);

        var locality = LocalityProbe.OfUnixSocket(path);

        Assert.Equal(LocalityKind.ThisHost, locality.Kind);
        Assert.Equal(Environment.ProcessId, locality.DaemonPid);
        Assert.True(locality.HasLiveProcesses);
        Assert.True(locality.SharesHostPaths);
    }

    [Fact]
    public void A_socket_reached_through_proc_pid_root_is_where_its_listener_is()
    {
        string path = Path.Join(_dir, "via-root.sock");
        using var listener = Listen(path);

        var locality = LocalityProbe.OfUnixSocket($"/proc/{Environment.ProcessId}/root{path}");

        Assert.Equal(LocalityKind.ThisHost, locality.Kind);
        Assert.Contains("/root", locality.Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_listener_in_another_pid_namespace_is_nested_and_names_it()
    {
        string path = Path.Join(_dir, "nested.sock");
        using var nested = await PidNamespaceProcess.StartAsync("socat", $"UNIX-LISTEN:{path},fork", "SYSTEM:true");
        await WaitForSocketAsync(path);

        var locality = LocalityProbe.OfUnixSocket(path);

        Assert.Equal(LocalityKind.Nested, locality.Kind);
        Assert.Equal(nested.HostPid, locality.DaemonPid);
        Assert.Equal(nested.PidNamespace, locality.PidNamespace);
        Assert.True(locality.HasLiveProcesses);
        Assert.False(locality.SharesHostPaths);
    }

    [Fact]
    public void No_listener_is_not_proven_anywhere()
    {
        var locality = LocalityProbe.OfUnixSocket(Path.Join(_dir, "nobody.sock"));

        Assert.Equal(LocalityKind.Unknown, locality.Kind);
        Assert.False(locality.HasLiveProcesses);
    }

    private static Socket Listen(string path)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));
        socket.Listen(4);
        return socket;
    }

    private static async Task WaitForSocketAsync(string path)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30); // hang guard
        while (!File.Exists(path))
        {
            Assert.True(DateTime.UtcNow < deadline, $"socat did not listen on {path}");
            await Task.Delay(20);
        }
    }
}
