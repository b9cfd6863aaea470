using System.Diagnostics;
using System.Net.Sockets;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Discovery;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests;

/// <summary>Providers against fake daemons on unix sockets; the host's real sockets are hidden by a fake file system.</summary>
public sealed class ProviderProbeTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    private static FakeHostFileSystem Only(params FakeDockerServer[] servers) => new(servers.Select(s => s.SocketPath!));

    [Fact]
    public async Task Docker_host_that_answers_is_found_with_name_version_and_api()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion("1.41")));
        var probes = await new DockerRuntimeProvider(Only(server), TimeProvider.System)
            .ProbeAsync(FakeDaemon.Settings(Budget, server.Endpoint), CancellationToken.None);
        try
        {
            var found = Assert.Single(probes, p => p.Runtime is not null);
            Assert.Equal("docker", found.Name);
            Assert.Equal(server.Endpoint, found.Endpoint);
            var d = found.Runtime!.Descriptor;
            Assert.Equal("docker", d.Name);
            Assert.Equal("20.10.24+dfsg1", d.Version);
            Assert.Equal("1.41", d.ApiVersion);
            Assert.Equal("--docker-host", d.Details["endpoint_source"]);
            Assert.Equal("Docker Engine", d.Details["engine"]);
            // The defaults are reported too, each with why it gave nothing.
            Assert.Equal([server.Endpoint, "unix:///var/run/docker.sock", "$XDG_RUNTIME_DIR/docker.sock"], probes.Select(p => p.Endpoint));
            Assert.Equal("default: no socket at /var/run/docker.sock", probes[1].Reason);
            Assert.Equal("XDG_RUNTIME_DIR is not set (no rootless Docker to look for)", probes[2].Reason);
        }
        finally
        {
            await DisposeAll(probes);
        }
    }

    [Fact]
    public async Task Absent_socket_is_not_found_with_a_reason()
    {
        var probes = await new DockerRuntimeProvider(new FakeHostFileSystem([]), TimeProvider.System)
            .ProbeAsync(FakeDaemon.Settings(Budget, "unix:///nonexistent/cfir/docker.sock"), CancellationToken.None);
        Assert.All(probes, p => Assert.Null(p.Runtime));
        Assert.Equal("--docker-host: no socket at /nonexistent/cfir/docker.sock", probes[0].Reason);
    }

    [Fact]
    public async Task Hung_daemon_is_not_found_within_the_budget()
    {
        await using var server = FakeDockerServer.OnUnixSocket(_ => FakeResponse.Hang);
        var sw = Stopwatch.StartNew();
        var probes = await new DockerRuntimeProvider(Only(server), TimeProvider.System)
            .ProbeAsync(FakeDaemon.Settings(Budget, server.Endpoint), CancellationToken.None);
        sw.Stop();
        Assert.True(sw.Elapsed < HangGuard, $"took {sw.Elapsed}");
        Assert.Null(probes[0].Runtime);
        Assert.Equal("--docker-host: GET /version: no answer within 2 s", probes[0].Reason);
    }

    [Fact]
    public async Task Refused_socket_is_not_found_with_a_reason()
    {
        // A stale socket file: bound once, nobody listening any more.
        var dir = Directory.CreateTempSubdirectory("cfir-stale-");
        try
        {
            string path = Path.Combine(dir.FullName, "docker.sock");
            using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
            {
                s.Bind(new UnixDomainSocketEndPoint(path));
            }
            var probes = await new DockerRuntimeProvider(new FakeHostFileSystem([path]), TimeProvider.System)
                .ProbeAsync(FakeDaemon.Settings(Budget, "unix://" + path), CancellationToken.None);
            Assert.Null(probes[0].Runtime);
            Assert.Equal("--docker-host: GET /version: connection refused or socket gone (nothing listens there: daemon stopped, stale socket file?)", probes[0].Reason);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Daemon_answering_garbage_is_not_found_with_a_reason()
    {
        await using var server = FakeDockerServer.OnUnixSocket(_ => FakeResponse.Text("<html>hello</html>", System.Net.HttpStatusCode.OK));
        var probes = await new DockerRuntimeProvider(Only(server), TimeProvider.System)
            .ProbeAsync(FakeDaemon.Settings(Budget, server.Endpoint), CancellationToken.None);
        Assert.Null(probes[0].Runtime);
        Assert.Contains("GET /version: the answer is not valid JSON", probes[0].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Podman_behind_docker_host_is_reported_under_podman_only()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion));
        var settings = FakeDaemon.Settings(Budget, server.Endpoint);
        var docker = await new DockerRuntimeProvider(Only(server), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        var podman = await new PodmanRuntimeProvider(Only(server), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        try
        {
            Assert.All(docker, p => Assert.Null(p.Runtime));
            Assert.Equal("--docker-host: answers as Podman 4.3.1, reported by the podman provider", docker[0].Reason);

            var found = Assert.Single(podman, p => p.Runtime is not null);
            Assert.Equal("podman", found.Name);
            Assert.Equal(server.Endpoint, found.Endpoint);
            Assert.Equal("4.3.1", found.Runtime!.Descriptor.Version);
            Assert.Equal("4.3.1", found.Runtime.Descriptor.Details["libpod_api_version"]);
            // Podman's own three candidates, then the Docker candidate that turned out to be Podman.
            Assert.Equal(4, podman.Count);
            Assert.Same(found, podman[3]);
        }
        finally
        {
            await DisposeAll(docker);
            await DisposeAll(podman);
        }
    }

    [Fact]
    public async Task Docker_behind_container_host_is_not_listed_by_podman_and_docker_finds_it()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion()));
        var settings = FakeDaemon.Settings(Budget, null, ("CONTAINER_HOST", server.Endpoint));
        var podman = await new PodmanRuntimeProvider(Only(server), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        var docker = await new DockerRuntimeProvider(Only(server), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        try
        {
            Assert.All(podman, p => Assert.Null(p.Runtime));
            Assert.Equal("CONTAINER_HOST: answers as Docker 20.10.24+dfsg1, reported by the docker provider", podman[0].Reason);
            Assert.Single(docker, p => p.Runtime is not null && p.Endpoint == server.Endpoint);
        }
        finally
        {
            await DisposeAll(docker);
            await DisposeAll(podman);
        }
    }

    [Fact]
    public async Task Podman_socket_met_by_the_docker_provider_is_told_apart_by_ping_without_version()
    {
        // Podman 4.3.1 answers /_ping with Libpod-Api-Version; its /version takes about a second.
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion, r =>
            r.Path == "/_ping" ? FakeResponse.Text("OK", System.Net.HttpStatusCode.OK) with { Headers = [("Libpod-Api-Version", "4.3.1"), ("Api-Version", "1.41")] } : null));
        var settings = FakeDaemon.Settings(Budget, null, ("CONTAINER_HOST", server.Endpoint));
        var docker = await new DockerRuntimeProvider(Only(server), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        try
        {
            Assert.All(docker, p => Assert.Null(p.Runtime));
            Assert.Equal(["GET /_ping"], server.Requests);
        }
        finally
        {
            await DisposeAll(docker);
        }
    }

    [Fact]
    public async Task Docker_behind_a_podman_socket_name_pings_as_docker_and_is_found()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path == "/_ping" ? FakeResponse.Text("OK", System.Net.HttpStatusCode.OK) with { Headers = [("Api-Version", "1.41"), ("Server", "Docker/20.10.24+dfsg1 (linux)")] } : null));
        var settings = FakeDaemon.Settings(Budget, null, ("CONTAINER_HOST", server.Endpoint));
        var docker = await new DockerRuntimeProvider(Only(server), TimeProvider.System).ProbeAsync(settings, CancellationToken.None);
        try
        {
            Assert.Single(docker, p => p.Runtime is not null && p.Endpoint == server.Endpoint);
            Assert.Equal(["GET /_ping", "GET /version"], server.Requests);
        }
        finally
        {
            await DisposeAll(docker);
        }
    }

    [Fact]
    public async Task Same_socket_twice_is_probed_once()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion()));
        // XDG_RUNTIME_DIR/docker.sock is a symlink to the --docker-host socket.
        var fs = new FakeHostFileSystem([server.SocketPath!], new Dictionary<string, string> { ["/run/user/1000/docker.sock"] = server.SocketPath! });
        var probes = await new DockerRuntimeProvider(fs, TimeProvider.System)
            .ProbeAsync(FakeDaemon.Settings(Budget, server.Endpoint, ("XDG_RUNTIME_DIR", "/run/user/1000")), CancellationToken.None);
        try
        {
            Assert.Single(probes, p => p.Runtime is not null);
            Assert.Equal($"rootless: same socket as --docker-host ({server.Endpoint}), probed there", probes[2].Reason);
            Assert.Single(server.Requests);
        }
        finally
        {
            await DisposeAll(probes);
        }
    }

    [Fact]
    public async Task Hanging_candidates_are_probed_side_by_side()
    {
        // Three hung sockets: DOCKER_HOST, the rootless socket, and CONTAINER_HOST (a Podman
        // candidate the docker provider also probes). One after the other would take 3 budgets.
        await using var a = FakeDockerServer.OnUnixSocket(_ => FakeResponse.Hang);
        await using var b = FakeDockerServer.OnUnixSocket(_ => FakeResponse.Hang);
        await using var c = FakeDockerServer.OnUnixSocket(_ => FakeResponse.Hang);
        var sw = Stopwatch.StartNew();
        var probes = await new DockerRuntimeProvider(Only(a, b, c), TimeProvider.System).ProbeAsync(
            FakeDaemon.Settings(Budget, a.Endpoint, ("XDG_RUNTIME_DIR", Path.GetDirectoryName(b.SocketPath)!), ("CONTAINER_HOST", c.Endpoint)), CancellationToken.None);
        sw.Stop();
        Assert.Equal(2, probes.Count(p => p.Reason?.Contains("no answer within", StringComparison.Ordinal) == true));
        Assert.Single(c.Requests); // probed, but reported by the podman provider, not here
        Assert.True(sw.Elapsed < Budget * 3 - TimeSpan.FromSeconds(1), $"took {sw.Elapsed}: probes were not concurrent");
    }

    [Fact]
    public async Task Cancellation_is_passed_on()
    {
        await using var a = FakeDockerServer.OnUnixSocket(_ => FakeResponse.Hang);
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new DockerRuntimeProvider(Only(a), TimeProvider.System)
            .ProbeAsync(FakeDaemon.Settings(TimeSpan.FromSeconds(30), a.Endpoint), cts.Token));
    }

    private static async Task DisposeAll(IEnumerable<RuntimeProbe> probes)
    {
        foreach (var p in probes)
        {
            if (p.Runtime is not null)
            {
                await p.Runtime.DisposeAsync();
            }
        }
    }
}
