using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Discovery;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;
using ContainerForensics.Docker.Transport;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Engine;

/// <summary>
/// The real-engine scenarios, written once and run against Docker and Podman
/// (<see cref="DockerEngineTests"/>, <see cref="PodmanEngineTests"/>).
/// </summary>
internal sealed class EngineScenarios(EngineCli cli) : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(30);

    private DockerRuntime? _runtime;

    private string RuntimeName => cli.Engine == TestSupport.Engine.Podman ? "podman" : "docker";

    private async Task<DockerRuntime> RuntimeAsync()
    {
        _runtime ??= new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse(cli.Endpoint), CallTimeout, TimeProvider.System, CancellationToken.None));
        return _runtime;
    }

    public async Task ProbeFindsTheEngine()
    {
        IRuntimeProvider provider = cli.Engine == TestSupport.Engine.Podman ? new PodmanRuntimeProvider() : new DockerRuntimeProvider();
        var settings = cli.Engine == TestSupport.Engine.Podman
            ? FakeDaemon.Settings(CallTimeout, null, ("CONTAINER_HOST", cli.Endpoint))
            : FakeDaemon.Settings(CallTimeout, cli.Endpoint);
        var probes = await provider.ProbeAsync(settings, CancellationToken.None);
        try
        {
            var found = probes.Where(p => p.Runtime is not null).ToList();
            var mine = Assert.Single(found, p => p.Endpoint == cli.Endpoint);
            Assert.All(found, p => Assert.Equal(RuntimeName, p.Name));
            Assert.All(found, p => Assert.Equal(RuntimeName, p.Runtime!.Descriptor.Name));
            var d = mine.Runtime!.Descriptor;
            Assert.Equal(cli.Run("version", "--format", "{{.Server.Version}}"), d.Version);
            // Both rig engines speak compat API 1.41 (Podman's CLI reports its libpod API version instead).
            Assert.Equal("1.41", d.ApiVersion);
            if (cli.Engine == TestSupport.Engine.Podman)
            {
                Assert.Equal(cli.Run("version", "--format", "{{.Server.APIVersion}}"), d.Details["libpod_api_version"]);
            }
        }
        finally
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

    /// <summary>The runtime's event source: a container's create, start and die, as they happen, with nanosecond times.</summary>
    public async Task WatchSeesAContainerCreatedStartedAndDead()
    {
        var runtime = await RuntimeAsync();
        var since = DateTimeOffset.UtcNow.AddSeconds(-2); // replayed from there: the subscription cannot miss the start
        string name = EngineCli.NewName("watched");
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // hang guard
        var events = new List<ContainerEvent>();
        var reading = Task.Run(async () =>
        {
            // Podman ends a followed stream when its file event logger rotates its log (some
            // 1 MB of events, which a run of the suite writes): asked again from the start, it
            // replays what it kept, as watch mode's EventFeed does; the repeats are told apart by their bytes.
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (int asks = 0; asks < 5; asks++)
            {
                await foreach (var e in ((IContainerEventSource)runtime).WatchAsync(since, guard.Token))
                {
                    if (e.Name == name && seen.Add(Convert.ToBase64String(e.Raw.Span)))
                    {
                        events.Add(e);
                        if (e.Action == "die")
                        {
                            return;
                        }
                    }
                }
            }
        });
        string id = cli.RunToExit(name, [], "true");
        await reading;

        Assert.Equal(["create", "start", "die"], events.Select(e => e.Action).Where(a => a is "create" or "start" or "die"));
        Assert.All(events, e => Assert.Equal(id, e.ContainerId));
        Assert.All(events, e => Assert.Equal(RuntimeName, e.Runtime));
        Assert.Equal("0", events[^1].Attributes["exitCode"]);
        Assert.All(events, e => Assert.InRange(e.Time.ToDateTimeOffset(), since.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.Contains(events, e => e.Time.Nanoseconds != 0); // timeNano, not whole seconds
        Assert.All(events, e => Assert.Contains(id, Encoding.UTF8.GetString(e.Raw.Span), StringComparison.Ordinal));
    }

    public async Task ListsRunningAndExitedContainers()
    {
        string tag = Guid.NewGuid().ToString();
        string[] label = ["--label", "cfir.test=" + tag];
        string running = EngineCli.NewName("running");
        string exited = EngineCli.NewName("exited");
        string runningId = cli.RunDetached(running, label, "sleep", "3600");
        string exitedId = cli.RunToExit(exited, label, "true");

        var runtime = await RuntimeAsync();
        var mine = (await runtime.ListContainersAsync(CancellationToken.None))
            .Where(c => c.Labels.TryGetValue("cfir.test", out var v) && v == tag)
            .OrderBy(c => c.Name, StringComparer.Ordinal)
            .ToList();

        Assert.Equal(2, mine.Count);
        var e = mine.Single(c => c.Name == exited);
        var r = mine.Single(c => c.Name == running);
        Assert.Equal(runningId, r.Id);
        Assert.Equal(exitedId, e.Id);
        Assert.Equal("running", r.State);
        Assert.True(r.IsRunning);
        Assert.Equal("exited", e.State);
        Assert.False(e.IsRunning);
        foreach (var (c, name) in new[] { (r, running), (e, exited) })
        {
            Assert.Equal(RuntimeName, c.Runtime);
            // Docker lists the name the container was created with; Podman its fully qualified
            // local name (localhost/...). Either way what the engine's own CLI says.
            string cliImage = cli.Engine == TestSupport.Engine.Podman ? cli.Inspect(name, "{{.ImageName}}") : cli.Inspect(name, "{{.Config.Image}}");
            Assert.Equal(cliImage, c.Image);
            Assert.EndsWith(TestSupport.RigEnvironment.Image, c.Image, StringComparison.Ordinal);
            Assert.Equal(tag, c.Labels["cfir.test"]);
            Assert.NotNull(c.Created);
            Assert.InRange(c.Created!.Value, DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddMinutes(1));
            Assert.Null(c.PodmanPod); // not in a pod
        }
        // Docker's list has no pid; Podman's libpod list does.
        if (cli.Engine == TestSupport.Engine.Podman)
        {
            Assert.Equal(int.Parse(cli.Inspect(running, "{{.State.Pid}}"), System.Globalization.CultureInfo.InvariantCulture), r.Pid);
        }
        else
        {
            Assert.Null(r.Pid);
        }
        Assert.Null(e.Pid);
    }

    public async Task MetadataPhaseYieldsTheInspectDocument()
    {
        string name = EngineCli.NewName("inspect");
        string id = cli.RunDetached(name, ["--label", "cfir.test=" + Guid.NewGuid()], "sleep", "3600");
        var runtime = await RuntimeAsync();
        var container = (await runtime.ListContainersAsync(CancellationToken.None)).Single(c => c.Id == id);

        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(container, CollectionPhase.Metadata, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Empty(sink.Errors);
        // inspect.json comes first; the rest of the phase is tested in Metadata/.
        var (item, content) = sink.Items[0];
        Assert.Equal("inspect.json", item.Name);
        Assert.Equal($"GET /v1.41/containers/{id}/json", item.Source!.Description);
        using var doc = JsonDocument.Parse(content);
        Assert.Equal(cli.Inspect(name, "{{.Id}}"), doc.RootElement.GetProperty("Id").GetString());
        // The compat API writes "/name" for both engines; podman's own CLI shows it without the slash.
        Assert.Equal(cli.Inspect(name, "{{.Name}}").TrimStart('/'), doc.RootElement.GetProperty("Name").GetString()!.TrimStart('/'));
        Assert.Equal("/" + name, doc.RootElement.GetProperty("Name").GetString());
    }

    public async Task VanishedContainerIsGone()
    {
        string name = EngineCli.NewName("gone");
        string id = cli.RunDetached(name, [], "sleep", "3600");
        var runtime = await RuntimeAsync();
        var container = (await runtime.ListContainersAsync(CancellationToken.None)).Single(c => c.Id == id);
        cli.Remove(name);

        var sink = new RecordingSink();
        var ex = await Assert.ThrowsAsync<ContainerGoneException>(() =>
            runtime.CollectContainerAsync(container, CollectionPhase.Metadata, sink, new CollectionOptions(), CancellationToken.None));
        Assert.Equal(id, ex.ContainerId);
        Assert.IsType<DockerNotFoundException>(ex.InnerException);
        Assert.Empty(sink.Items);
    }

    public async Task EngineEvidenceIsVersionAndInfo()
    {
        var runtime = await RuntimeAsync();
        var sink = new RecordingSink();
        await runtime.CollectEngineAsync(sink, new CollectionOptions(), CancellationToken.None);
        Assert.Empty(sink.Errors);
        // version and info come first; the rest of the engine evidence is tested in Metadata/.
        Assert.Equal(["version.json", "info.json"], sink.Items.Select(i => i.Item.Name).Take(2));
        Assert.Equal(runtime.Client.ServerVersion.Raw.Bytes.ToArray(), sink["version.json"].Content);
        using var info = JsonDocument.Parse(sink["info.json"].Content);
        // The compat /info names the host in "Name"; podman's own CLI keeps it under Host.Hostname.
        string host = cli.Run("info", "--format", cli.Engine == TestSupport.Engine.Podman ? "{{.Host.Hostname}}" : "{{.Name}}");
        Assert.Equal(host, info.RootElement.GetProperty("Name").GetString());
    }

    public async Task LogsAreDemultiplexed()
    {
        string name = EngineCli.NewName("logs");
        string id = cli.RunDetached(name, [], "sh", "-c", "echo out; echo err >&2; sleep 3600");
        var runtime = await RuntimeAsync();
        string stdout = "", stderr = "";
        for (int i = 0; i < 50 && (stdout.Length == 0 || stderr.Length == 0); i++)
        {
            await using var body = await runtime.Client.Containers.LogsAsync(id, null, timestamps: false, CancellationToken.None);
            var (o, e, split) = await Logs.MultiplexedFrames.SplitTextAsync(body);
            Assert.Null(split.Failure);
            (stdout, stderr) = (o, e);
            if (stdout.Length == 0 || stderr.Length == 0)
            {
                await Task.Delay(200);
            }
        }
        Assert.Equal("out\n", stdout);
        Assert.Equal("err\n", stderr);
    }

    public async ValueTask DisposeAsync()
    {
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
    }
}
