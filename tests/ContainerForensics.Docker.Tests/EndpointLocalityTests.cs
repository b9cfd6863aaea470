using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;
using ContainerForensics.Docker.Transport;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests;

/// <summary>Where a Docker-compatible daemon runs, as its runtime records it at discovery.</summary>
public sealed class EndpointLocalityTests
{
    [Theory]
    [InlineData("tcp://127.0.0.1:2375")]
    [InlineData("tcp://[::1]:2375")]
    [InlineData("tcp://10.20.30.40:2376")]
    public void A_daemon_over_tcp_is_remote_loopback_included(string endpoint)
    {
        var locality = EndpointLocality.Of(DockerEndpoint.Parse(endpoint));
        Assert.Equal(LocalityKind.Remote, locality.Kind);
        Assert.False(locality.HasLiveProcesses);
    }

    [Fact]
    public async Task A_daemon_on_a_unix_socket_is_where_its_listener_is()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion()));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));

        Assert.Equal(LocalityKind.ThisHost, runtime.Descriptor.Locality.Kind);
        Assert.Equal(Environment.ProcessId, runtime.Descriptor.Locality.DaemonPid); // the fake listens in this process
    }

    [EngineFact(TestSupport.Engine.Docker)]
    public async Task The_rig_s_dockerd_is_on_this_host()
    {
        await using var runtime = new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse(RigEnvironment.DockerHost!), TimeSpan.FromSeconds(60), TimeProvider.System, CancellationToken.None));

        var locality = runtime.Descriptor.Locality;
        Assert.Equal(LocalityKind.ThisHost, locality.Kind);
        Assert.True(locality.SharesHostPaths, locality.Why);
        Assert.Equal("dockerd", File.ReadAllText($"/proc/{locality.DaemonPid}/comm").Trim());
    }
}
