using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests.Metadata;

/// <summary>
/// What real engines cannot be made to do on demand: an image deleted under a running container,
/// a daemon whose clock runs behind, a container that vanishes between two calls, a failing
/// endpoint. Answers are shaped like those of Docker 20.10 and Podman 4.3.1 on the rig.
/// </summary>
public sealed class MetadataFakeDaemonTests
{
    private const string Id = "655acef770371e380aaf6288d392b921651abeb3222f3ebd6d4b2f4b4de4dda9";
    private const string ImageId = "sha256:d505fe44c70a8327c132ccd318c5f1a96be15d8b2e06c09498dcc9998535113f";

    private static readonly string Inspect = $$"""
        {"Id":"{{Id}}","Name":"/web","Image":"{{ImageId}}","State":{"Status":"running","Pid":4126},
         "Config":{"Env":["SECRET=cfir-test"]},
         "Mounts":[{"Type":"volume","Name":"data","Source":"/var/lib/docker/volumes/data/_data","Destination":"/data","Driver":"local","Mode":"z","RW":true,"Propagation":""},
                   {"Type":"bind","Source":"/srv","Destination":"/srv","Mode":"ro","RW":false,"Propagation":"rprivate"}]}
        """;

    private const string Volume = """{"CreatedAt":"2026-11-22T02:53:57Z","Driver":"local","Labels":null,"Mountpoint":"/var/lib/docker/volumes/data/_data","Name":"data","Options":null,"Scope":"local"}""";

    private static ContainerInfo Container(string state = "running") => new() { Runtime = "docker", Id = Id, Name = "web", State = state };

    private static async Task<(FakeDockerServer, DockerRuntime)> StartAsync(string version, Func<FakeRequest, FakeResponse?> rest, TimeSpan? callTimeout = null)
    {
        var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(version, rest));
        return (server, new DockerRuntime(await FakeDaemon.ConnectAsync(server, callTimeout)));
    }

    [Fact]
    public async Task Deleted_image_is_missing_not_a_vanished_container()
    {
        var (server, runtime) = await StartAsync(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            $"/v1.41/containers/{Id}/json" => FakeResponse.Json(Inspect),
            "/v1.41/volumes/data" => FakeResponse.Json(Volume),
            _ when r.Path.StartsWith("/v1.41/images/", StringComparison.Ordinal) => FakeResponse.NotFound("No such image: " + ImageId),
            _ => null,
        });
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(Container(), CollectionPhase.Metadata, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Empty(sink.Errors);
        Assert.Equal(["inspect.json", "image.json", "image-history.json", "mounts.json"], sink.Items.Select(i => i.Item.Name));
        foreach (var (item, content) in sink.Items.Skip(1).Take(2))
        {
            Assert.Equal(EntryStatus.Missing, item.Status);
            Assert.StartsWith($"image {ImageId} no longer exists: ", item.Reason, StringComparison.Ordinal);
            Assert.Contains("No such image", item.Reason, StringComparison.Ordinal);
            Assert.Empty(content);
        }
        Assert.Equal($"GET /v1.41/images/sha256%3A{ImageId[7..]}/json", sink.Items[1].Item.Source!.Description);
        Assert.Equal($"GET /v1.41/images/sha256%3A{ImageId[7..]}/history", sink.Items[2].Item.Source!.Description);
        Assert.Equal(Encoding.UTF8.GetBytes(Inspect), sink["inspect.json"].Content);
    }

    [Fact]
    public async Task Mounts_document_keeps_the_mounts_and_the_volume_answer_byte_exact()
    {
        var (server, runtime) = await StartAsync(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            $"/v1.41/containers/{Id}/json" => FakeResponse.Json(Inspect),
            "/v1.41/volumes/data" => FakeResponse.Json(Volume),
            _ when r.Path.StartsWith("/v1.41/images/", StringComparison.Ordinal) => FakeResponse.Json("{}"),
            _ => null,
        });
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(Container(), CollectionPhase.Metadata, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Empty(sink.Errors);
        string mounts = Encoding.UTF8.GetString(sink["mounts.json"].Content);
        using var doc = JsonDocument.Parse(mounts);
        using var inspect = JsonDocument.Parse(Inspect);
        // The daemon's bytes appear unchanged inside the document.
        Assert.Contains(inspect.RootElement.GetProperty("Mounts").GetRawText(), mounts, StringComparison.Ordinal);
        Assert.Contains(Volume, mounts, StringComparison.Ordinal);
        Assert.Equal(Id, doc.RootElement.GetProperty("containerId").GetString());
        Assert.Equal($"GET /v1.41/containers/{Id}/json", doc.RootElement.GetProperty("mountsFrom").GetString());
        Assert.Contains("Bind mounts are described only", doc.RootElement.GetProperty("note").GetString(), StringComparison.Ordinal);
        var volume = Assert.Single(doc.RootElement.GetProperty("volumes").EnumerateArray());
        Assert.Equal("data", volume.GetProperty("name").GetString());
        Assert.Equal("GET /v1.41/volumes/data", volume.GetProperty("call").GetString());
        Assert.Equal("/var/lib/docker/volumes/data/_data", volume.GetProperty("volume").GetProperty("Mountpoint").GetString());
        // Only the volume is asked about; the bind mount stays metadata.
        Assert.DoesNotContain(server.Requests, r => r.Contains("/srv", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Volume_that_cannot_be_described_is_said_in_the_document_and_recorded()
    {
        var (server, runtime) = await StartAsync(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            $"/v1.41/containers/{Id}/json" => FakeResponse.Json(Inspect),
            "/v1.41/volumes/data" => FakeResponse.NotFound("get data: no such volume"),
            _ when r.Path.StartsWith("/v1.41/images/", StringComparison.Ordinal) => FakeResponse.Json("{}"),
            _ => null,
        });
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(Container(), CollectionPhase.Metadata, sink, new CollectionOptions(), CancellationToken.None);

        var (message, ex) = Assert.Single(sink.Errors);
        Assert.Equal("mounts.json: volume data not described", message);
        Assert.Contains("no such volume", ex!.Message, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(sink["mounts.json"].Content);
        var volume = Assert.Single(doc.RootElement.GetProperty("volumes").EnumerateArray());
        Assert.Contains("no such volume", volume.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.False(volume.TryGetProperty("volume", out var _));
    }

    [Fact]
    public async Task Podman_top_asks_for_psgo_descriptors_and_a_paused_container_gets_a_reason()
    {
        var (server, runtime) = await StartAsync(FakeDaemon.PodmanVersion, r => r.Path switch
        {
            // Podman 4.3.1 for a paused container: 200 and no body at all.
            $"/v1.41/containers/{Id}/top" => new FakeResponse { Headers = [("Content-Type", "application/json")], Behaviour = FakeBehaviour.Chunked },
            _ => null,
        });
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(Container("paused"), CollectionPhase.Volatile, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Empty(sink.Errors);
        Assert.Equal(["top.json", "stats.json"], sink.Items.Select(i => i.Item.Name));
        var top = sink.Items[0].Item;
        Assert.Equal(EntryStatus.Failed, top.Status);
        Assert.StartsWith("Podman lists no processes of a paused container: ", top.Reason, StringComparison.Ordinal);
        var stats = sink.Items[1].Item;
        Assert.Equal(EntryStatus.Skipped, stats.Status);
        Assert.Equal("the container is paused: stats are sampled of running containers only", stats.Reason);
        // Never Podman's default (it would exec ps inside the container); no stats call for a paused one.
        string descriptors = Uri.EscapeDataString(DockerStateCollector.PodmanPsDescriptors);
        Assert.Equal(["GET /version", $"GET /v1.41/containers/{Id}/top?ps_args={descriptors}"], server.Requests);
    }

    [Fact]
    public async Task Vanished_container_in_the_volatile_phase_is_container_gone()
    {
        var (server, runtime) = await StartAsync(FakeDaemon.DockerVersion(), _ => FakeResponse.NotFound("No such container: " + Id));
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();
        await Assert.ThrowsAsync<ContainerGoneException>(() =>
            runtime.CollectContainerAsync(Container(), CollectionPhase.Volatile, sink, new CollectionOptions(), CancellationToken.None));
        Assert.Empty(sink.Items);
    }

    [Fact]
    public async Task A_disk_usage_already_running_elsewhere_is_waited_for_not_recorded_as_failed()
    {
        // dockerd 20.10 answers a second concurrent /system/df with 500 and this message.
        int dfCalls = 0;
        var (server, runtime) = await StartAsync(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/info" => FakeResponse.Json("""{"Name":"host"}"""),
            "/v1.41/events" => FakeResponse.Stream([]),
            "/v1.41/networks" or "/v1.41/images/json" => FakeResponse.Json("[]"),
            "/v1.41/volumes" => FakeResponse.Json("""{"Volumes":[],"Warnings":null}"""),
            "/v1.41/system/df" => Interlocked.Increment(ref dfCalls) <= 2
                ? FakeResponse.Json("""{"message":"a disk usage operation is already running"}""", System.Net.HttpStatusCode.InternalServerError)
                : FakeResponse.Json("""{"Images":[]}"""),
            _ => null,
        });
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions { EventsSince = DateTimeOffset.UtcNow.AddHours(-1) }, CancellationToken.None);

        Assert.Empty(sink.Errors);
        Assert.Equal(3, dfCalls);
        Assert.Equal("""{"Images":[]}""", Encoding.UTF8.GetString(sink["df.json"].Content));
    }

    [Fact]
    public async Task Docker_events_window_is_shifted_to_the_daemons_clock()
    {
        // A daemon whose clock is an hour behind ours: an until of our "now" would keep the stream open.
        // The daemon's time is stamped when /info is answered, as a daemon does: a test started
        // seconds earlier on a loaded machine must not look like a clock offset.
        var now = DateTimeOffset.UtcNow;
        static string Info() => $$"""{"Name":"host","SystemTime":"{{DateTimeOffset.UtcNow.AddHours(-1).ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture)}}"}""";
        byte[][] events = [Encoding.UTF8.GetBytes("""{"Type":"container","Action":"start","Actor":{"ID":"x"},"time":1577934245}""" + "\n")];
        var (server, runtime) = await StartAsync(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/info" => FakeResponse.Json(Info()),
            "/v1.41/events" => FakeResponse.Stream(events),
            "/v1.41/networks" or "/v1.41/images/json" => FakeResponse.Json("[]"),
            "/v1.41/volumes" => FakeResponse.Json("""{"Volumes":[],"Warnings":null}"""),
            "/v1.41/system/df" => FakeResponse.Json("""{"Images":[]}"""),
            _ => null,
        });
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions { EventsSince = now.AddHours(-2) }, CancellationToken.None);

        Assert.Empty(sink.Errors);
        Assert.Equal(["version.json", "info.json", "events.jsonl", "networks.json", "volumes.json", "images.json", "df.json"], sink.Items.Select(i => i.Item.Name));
        Assert.Equal(events[0], sink["events.jsonl"].Content);
        string request = Assert.Single(server.Requests, r => r.StartsWith("GET /v1.41/events?", StringComparison.Ordinal));
        var match = Regex.Match(request, @"^GET /v1\.41/events\?since=(\d+\.\d{9})&until=(\d+\.\d{9})$");
        Assert.True(match.Success, request);
        double since = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        double until = double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture);
        double ours = now.ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(since, ours - 3 * 3600 - 30, ours - 3 * 3600 + 30);
        Assert.InRange(until, ours - 3600 - 30, ours - 3600 + 30);
        Assert.Equal(request, sink.Items[2].Item.Source!.Description);
    }

    [Fact]
    public async Task Podman_events_are_read_to_the_end_of_its_log_without_until()
    {
        var (server, runtime) = await StartAsync(FakeDaemon.PodmanVersion, r => r.Path switch
        {
            "/v1.41/events" => FakeResponse.Stream([]),
            _ => FakeResponse.Json("{}"),
        });
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();
        var before = DateTimeOffset.UtcNow;

        // No start given: the documented default, 24 hours back.
        await runtime.CollectEngineAsync(sink, new CollectionOptions(), CancellationToken.None);

        Assert.Empty(sink.Errors);
        Assert.Empty(sink["events.jsonl"].Content);
        string request = Assert.Single(server.Requests, r => r.StartsWith("GET /v1.41/events?", StringComparison.Ordinal));
        Assert.Matches(@"^GET /v1\.41/events\?since=\d+\.\d{9}&stream=false$", request);
        double since = double.Parse(request["GET /v1.41/events?since=".Length..request.IndexOf('&', StringComparison.Ordinal)], CultureInfo.InvariantCulture);
        double expected = before.AddHours(-24).ToUnixTimeMilliseconds() / 1000.0;
        Assert.InRange(since, expected - 1, expected + 30);
    }

    [Fact]
    public async Task One_failing_engine_call_does_not_stop_the_others()
    {
        var (server, runtime) = await StartAsync(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/info" => FakeResponse.Json("""{"Name":"host"}"""),
            "/v1.41/events" => FakeResponse.Stream([]),
            "/v1.41/networks" => FakeResponse.Json("""{"message":"networks broke"}""", HttpStatusCode.InternalServerError),
            "/v1.41/images/json" => FakeResponse.Json("[]"),
            "/v1.41/volumes" => FakeResponse.Json("""{"Volumes":[]}"""),
            "/v1.41/system/df" => FakeResponse.Hang,
            _ => null,
        }, TimeSpan.FromSeconds(2));
        await using var _ = server;
        await using var __ = runtime;
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions { EventsSince = DateTimeOffset.UtcNow.AddMinutes(-1) }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(["version.json", "info.json", "events.jsonl", "volumes.json", "images.json"], sink.Items.Select(i => i.Item.Name));
        Assert.Equal(["networks.json not collected", "df.json not collected"], sink.Errors.Select(e => e.Message));
        Assert.Contains("networks broke", sink.Errors[0].Exception!.Message, StringComparison.Ordinal);
        Assert.Contains("no answer within", sink.Errors[1].Exception!.Message, StringComparison.Ordinal);
    }
}
