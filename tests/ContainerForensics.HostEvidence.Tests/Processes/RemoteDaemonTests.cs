using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Transport;
using ContainerForensics.HostEvidence.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Processes;

/// <summary>
/// The real dockerd reached over TCP, through a loopback proxy (socat): the pid it reports is
/// the daemon's, and nothing proves the daemon is on this host, so host process evidence is
/// skipped with a record, not read from this host's /proc, and the run is not partial for it.
/// </summary>
public sealed class RemoteDaemonTests : IDisposable
{
    private readonly DockerCli _docker = new();

    public void Dispose() => _docker.Dispose();

    [EngineFact(Engine.Docker)]
    public async Task Host_process_evidence_of_a_daemon_over_tcp_is_skipped_with_a_record()
    {
        string name = DockerCli.NewName("tcp");
        string id = _docker.RunDetached(name, ["sleep", "3600"]);
        int port = FreeLoopbackPort();
        using var proxy = Process.Start(new ProcessStartInfo("socat", [$"TCP-LISTEN:{port},bind=127.0.0.1,reuseaddr,fork", $"UNIX-CONNECT:{RigEnvironment.SocketPath(DockerCli.Endpoint)}"]) { UseShellExecute = false })!;
        try
        {
            await Eventually.Until(() => Listening(port), "the proxy to listen");
            await using var runtime = new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse($"tcp://127.0.0.1:{port}"), TimeSpan.FromSeconds(60), TimeProvider.System, CancellationToken.None));
            Assert.Equal(LocalityKind.Remote, runtime.Descriptor.Locality.Kind);
            var writer = new RecordingArchiveWriter();
            var options = new CollectionOptions { Selector = new ContainerSelector { Names = [name] }, Filesystem = FilesystemMode.None };
            using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(5)); // hang guard only

            await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None, [new HostProcessCollector()])
                .RunAsync([runtime], options, writer, guard.Token);

            string volatileRoot = $"containers/docker/-/{name}_{id[..12]}/volatile/";
            var skip = Assert.Single(writer.Entries, e => e.Entry.Path.Value == volatileRoot + "host-process-evidence").Entry;
            Assert.Equal(EntryStatus.Skipped, skip.Status);
            Assert.StartsWith($"host process evidence not collected: docker at tcp://127.0.0.1:{port} is not on this host", skip.Reason, StringComparison.Ordinal);
            Assert.DoesNotContain(writer.Paths, p => p.StartsWith(volatileRoot + "processes", StringComparison.Ordinal) || p == volatileRoot + "capture.json");
            Assert.DoesNotContain(writer.Errors, e => e.Message.Contains("host process", StringComparison.Ordinal));
        }
        finally
        {
            proxy.Kill();
            await proxy.WaitForExitAsync();
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private static bool Listening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
