using System.Diagnostics;
using System.Net.Sockets;
using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Client;
using ContainerForensics.Core.Runtimes;
using Google.Protobuf.WellKnownTypes;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Tests;

public sealed class ContainerdRuntimeProviderTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-ctd-").FullName;
    private FakeContainerd _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeContainerd.StartAsync();

    public async Task DisposeAsync()
    {
        await _fake.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void Candidates_InTheDocumentedOrder()
    {
        var settings = new RuntimeSettings
        {
            Environment = new Dictionary<string, string?> { ["CONTAINERD_ADDRESS"] = "unix:///env.sock", ["XDG_RUNTIME_DIR"] = "/run/user/1000" },
        }.With(ContainerdOptions.Address, "/flag.sock");

        var candidates = new ContainerdRuntimeProvider().Candidates(settings);

        Assert.Equal(
        [
            new("--containerd-address", "/flag.sock"),
            new("CONTAINERD_ADDRESS", "unix:///env.sock"),
            new("default", "/run/containerd/containerd.sock"),
            new("docker-managed", "/var/run/docker/containerd/containerd.sock"),
            new ContainerdEndpointCandidate("rootless", "/run/user/1000/containerd/containerd.sock"),
        ], candidates);
    }

    [Fact]
    public void Candidates_WithoutSettingsAreTheWellKnownSockets()
    {
        var candidates = new ContainerdRuntimeProvider().Candidates(new RuntimeSettings());

        Assert.Equal(ContainerdRuntimeProvider.WellKnownSockets, candidates);
    }

    [Fact]
    public async Task Probe_EveryCandidateAnswersOnceAndSameSocketIsProbedOnce()
    {
        string link = Path.Combine(_dir, "link");
        Directory.CreateSymbolicLink(link, Path.GetDirectoryName(_fake.SocketPath)!);
        string missing = Path.Combine(_dir, "absent.sock");
        var provider = new ContainerdRuntimeProvider(
        [
            new("default", missing),
            new("docker-managed", Path.Combine(link, Path.GetFileName(_fake.SocketPath))),
        ]);
        var settings = new RuntimeSettings
        {
            Environment = new Dictionary<string, string?> { ["CONTAINERD_ADDRESS"] = "unix://" + _fake.SocketPath },
            CallTimeout = TimeSpan.FromSeconds(5),
        }.With(ContainerdOptions.Address, "tcp://127.0.0.1:1");

        var probes = await provider.ProbeAsync(settings, default);
        try
        {
            Assert.Equal(4, probes.Count);
            Assert.All(probes, p => Assert.Equal("containerd", p.Name));
            Assert.Null(probes[0].Runtime);
            Assert.Contains("not a unix socket", probes[0].Reason, StringComparison.Ordinal);
            var found = Assert.IsType<ContainerdRuntime>(probes[1].Runtime);
            Assert.Equal(_fake.SocketPath, found.Descriptor.Endpoint);
            Assert.Equal("1.6.20~fake", found.Descriptor.Version);
            Assert.Equal("CONTAINERD_ADDRESS", found.Descriptor.Details["source"]);
            Assert.Null(probes[2].Runtime);
            Assert.Contains($"no socket at {missing}", probes[2].Reason, StringComparison.Ordinal);
            Assert.Null(probes[3].Runtime);
            Assert.Contains("same socket as CONTAINERD_ADDRESS", probes[3].Reason, StringComparison.Ordinal);
            Assert.Single(_fake.Server.Calls);
        }
        finally
        {
            foreach (var p in probes)
            {
                if (p.Runtime is { } r)
                {
                    await r.DisposeAsync();
                }
            }
        }
    }

    [Fact]
    public async Task Probe_AHangingDaemonCostsItsBudget()
    {
        _fake.Server.Raw(ContainerdMethods.Version, async (ctx, _) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        var provider = new ContainerdRuntimeProvider([new("default", _fake.SocketPath)]);
        var clock = Stopwatch.StartNew();

        var probes = await provider.ProbeAsync(new RuntimeSettings { CallTimeout = TimeSpan.FromMilliseconds(500) }, default).WaitAsync(TimeSpan.FromSeconds(10));

        var probe = Assert.Single(probes);
        Assert.Null(probe.Runtime);
        Assert.Contains("no answer within 0.5 s", probe.Reason, StringComparison.Ordinal);
        Assert.Contains(ContainerdMethods.Version, probe.Reason, StringComparison.Ordinal);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Probe_AStaleSocketIsNotFoundWithTheReason()
    {
        string stale = Path.Combine(_dir, "stale.sock");
        using (var s = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified))
        {
            // Bound, never listening, closed: a daemon that died. .NET unlinks the path it bound
            // on dispose, so the socket file is moved away first and stays.
            string bound = Path.Combine(_dir, "bound.sock");
            s.Bind(new UnixDomainSocketEndPoint(bound));
            File.Move(bound, stale);
        }
        var provider = new ContainerdRuntimeProvider([new("default", stale)]);

        var probe = Assert.Single(await provider.ProbeAsync(new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(5) }, default));

        Assert.Null(probe.Runtime);
        Assert.Contains("Unavailable", probe.Reason, StringComparison.Ordinal);
        Assert.StartsWith("default: ", probe.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Probe_AnErrorStatusIsNotFoundWithTheDaemonsWords()
    {
        _fake.Server.Unary<Empty, VersionResponse>(ContainerdMethods.Version, (_, _) => throw new FakeStatus(StatusCode.PermissionDenied, "go away"));
        var provider = new ContainerdRuntimeProvider([new("default", _fake.SocketPath)]);

        var probe = Assert.Single(await provider.ProbeAsync(new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(5) }, default));

        Assert.Null(probe.Runtime);
        Assert.Contains("PermissionDenied: go away", probe.Reason, StringComparison.Ordinal);
    }
}
