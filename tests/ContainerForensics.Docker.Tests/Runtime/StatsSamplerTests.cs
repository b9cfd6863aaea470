using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests.Runtime;

/// <summary>
/// The volatile phase asks for the stats of all its running containers when it starts (one
/// daemon pass for all, see DockerStatsSampler): what goes on the wire, that each container's
/// collector uses its sample instead of asking again, and that a 404 is still a vanished container.
/// </summary>
public sealed class StatsSamplerTests
{
    private const string Running1 = "1111111111111111111111111111111111111111111111111111111111111111";
    private const string Running2 = "2222222222222222222222222222222222222222222222222222222222222222";
    private const string Paused = "3333333333333333333333333333333333333333333333333333333333333333";
    private const string Top = """{"Titles":["PID"],"Processes":[["4126"]]}""";

    private static ContainerInfo Container(string id, string state) => new() { Runtime = "docker", Id = id, Name = "c" + id[0], State = state };

    [Fact]
    public async Task Phase_start_sends_one_one_shot_stats_request_per_running_container_and_the_collector_uses_it()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            var p when p.EndsWith("/top", StringComparison.Ordinal) => FakeResponse.Json(Top),
            $"/v1.41/containers/{Running1}/stats" => FakeResponse.Json("""{"id":"1","name":"/c1"}"""),
            $"/v1.41/containers/{Running2}/stats" => FakeResponse.Json("""{"id":"2","name":"/c2"}"""),
            _ => null,
        }));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        ContainerInfo[] containers = [Container(Running1, "running"), Container(Running2, "running"), Container(Paused, "paused")];

        runtime.PhaseStarting(CollectionPhase.Volatile, containers, CancellationToken.None);
        var sinks = new List<RecordingSink>();
        foreach (var c in containers)
        {
            var sink = new RecordingSink();
            await runtime.CollectContainerAsync(c, CollectionPhase.Volatile, sink, new CollectionOptions(), CancellationToken.None);
            sinks.Add(sink);
        }

        var stats = server.Requests.Where(r => r.Contains("/stats", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
            [$"GET /v1.41/containers/{Running1}/stats?stream=false&one-shot=true", $"GET /v1.41/containers/{Running2}/stats?stream=false&one-shot=true"],
            stats);
        Assert.Equal("""{"id":"1","name":"/c1"}""", Encoding.UTF8.GetString(sinks[0]["stats.json"].Content));
        Assert.Equal("""{"id":"2","name":"/c2"}""", Encoding.UTF8.GetString(sinks[1]["stats.json"].Content));
        Assert.Equal($"GET /v1.41/containers/{Running1}/stats?stream=false&one-shot=true", sinks[0].Items.Single(i => i.Item.Name == "stats.json").Item.Source!.Description);
        Assert.Equal(EntryStatus.Skipped, sinks[2].Items.Single(i => i.Item.Name == "stats.json").Item.Status);
        Assert.All(sinks, s => Assert.Empty(s.Errors));
    }

    [Fact]
    public async Task Other_phases_start_nothing()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion()));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        runtime.PhaseStarting(CollectionPhase.Metadata, [Container(Running1, "running")], CancellationToken.None);
        runtime.PhaseStarting(CollectionPhase.Logs, [Container(Running1, "running")], CancellationToken.None);
        await Task.Delay(200);
        Assert.Equal(["GET /version"], server.Requests);
    }

    [Fact]
    public async Task A_sample_answered_404_is_a_vanished_container_in_its_own_collector()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            var p when p.EndsWith("/top", StringComparison.Ordinal) => FakeResponse.Json(Top),
            $"/v1.41/containers/{Running1}/stats" => FakeResponse.NotFound("No such container: " + Running1),
            $"/v1.41/containers/{Running2}/stats" => FakeResponse.Json("""{"id":"2"}"""),
            _ => null,
        }));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        ContainerInfo[] containers = [Container(Running1, "running"), Container(Running2, "running")];
        runtime.PhaseStarting(CollectionPhase.Volatile, containers, CancellationToken.None);

        await Assert.ThrowsAsync<ContainerGoneException>(() =>
            runtime.CollectContainerAsync(containers[0], CollectionPhase.Volatile, new RecordingSink(), new CollectionOptions(), CancellationToken.None));
        var other = new RecordingSink();
        await runtime.CollectContainerAsync(containers[1], CollectionPhase.Volatile, other, new CollectionOptions(), CancellationToken.None);
        Assert.Equal("""{"id":"2"}""", Encoding.UTF8.GetString(other["stats.json"].Content));
        Assert.Single(server.Requests, r => r.Contains($"{Running1}/stats", StringComparison.Ordinal));
    }
}
