using System.Net;
using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests;

/// <summary>The runtime against fake daemons: listing, engine evidence, inspect, vanished containers.</summary>
public sealed class DockerRuntimeTests
{
    private const string Id1 = "655acef770371e380aaf6288d392b921651abeb3222f3ebd6d4b2f4b4de4dda9";
    private const string Id2 = "12ccc9f38cc4b74245263af636eecfb758742f5f448a5ed25e622aece5609f46";

    private static readonly string DockerList = $$"""
        [{"Id":"{{Id1}}","Names":["/proxy/web","/web"],"Image":"nginx:1.25","ImageID":"sha256:aa","Command":"nginx","Created":1795313738,"Labels":{"cfir.test":"x","tier":"front"},"State":"running","Status":"Up 2 minutes"},
         {"Id":"{{Id2}}","Names":["/old"],"Image":"busybox","Created":1700000000,"Labels":null,"State":"exited","Status":"Exited (0) 1 hour ago"},
         {"Id":"ffff","Names":[],"Image":"x","State":""}]
        """;

    [Fact]
    public async Task Docker_list_maps_to_container_info()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Target == "/v1.41/containers/json?all=1" ? FakeResponse.Json(DockerList) : null));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var list = await runtime.ListContainersAsync(CancellationToken.None);

        Assert.Equal(3, list.Count);
        var web = list[0];
        Assert.Equal("docker", web.Runtime);
        Assert.Equal(Id1, web.Id);
        Assert.Equal("web", web.Name);
        Assert.Equal("nginx:1.25", web.Image);
        Assert.Equal("running", web.State);
        Assert.True(web.IsRunning);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1795313738), web.Created);
        Assert.Equal(new Dictionary<string, string> { ["cfir.test"] = "x", ["tier"] = "front" }, web.Labels);
        Assert.Null(web.Pid);
        Assert.Null(web.PodmanPod);

        Assert.Equal("old", list[1].Name);
        Assert.Equal("exited", list[1].State);
        Assert.Empty(list[1].Labels);
        Assert.Null(list[2].Name);
        Assert.Equal("unknown", list[2].State);
        Assert.DoesNotContain(server.Requests, r => r.Contains("libpod", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Podman_list_gets_pod_and_pid_from_the_libpod_list()
    {
        string compat = $$"""[{"Id":"{{Id1}}","Names":["/inpod"],"Image":"localhost/busybox:latest","Created":1795313738,"Labels":{},"State":"running"},{"Id":"{{Id2}}","Names":["/alone"],"State":"exited"}]""";
        string libpod = $$"""[{"Id":"{{Id1}}","Names":["inpod"],"Pid":11753,"Pod":"beb3","PodName":"cfir-pod","State":"running"},{"Id":"{{Id2}}","Names":["alone"],"Pid":0,"Pod":"","PodName":"","State":"exited"}]""";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion, r => r.Target switch
        {
            "/v1.41/containers/json?all=1" => FakeResponse.Json(compat),
            "/v4.3.1/libpod/containers/json?all=true" => FakeResponse.Json(libpod),
            _ => null,
        }));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var list = await runtime.ListContainersAsync(CancellationToken.None);
        Assert.Equal("podman", runtime.Descriptor.Name);
        Assert.All(list, c => Assert.Equal("podman", c.Runtime));
        Assert.Equal("cfir-pod", list[0].PodmanPod);
        Assert.Equal(11753, list[0].Pid);
        Assert.Null(list[1].PodmanPod);
        Assert.Null(list[1].Pid);
    }

    [Fact]
    public async Task Podmans_own_transient_states_are_said_in_dockers_words()
    {
        // Podman 4.3's compat list says "stopped" between a container's end and conmon's cleanup,
        // and "stopping" while it is being stopped; its compat inspect says exited and running.
        string compat = $$"""[{"Id":"{{Id1}}","Names":["/ended"],"State":"stopped"},{"Id":"{{Id2}}","Names":["/ending"],"State":"stopping"},{"Id":"{{Id1[..60]}}beef","Names":["/odd"],"State":"configured"}]""";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion, r =>
            r.Target == "/v1.41/containers/json?all=1" ? FakeResponse.Json(compat) : FakeResponse.Json("[]")));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var list = await runtime.ListContainersAsync(CancellationToken.None);
        Assert.Equal(["exited", "running", "configured"], list.Select(c => c.State));
        Assert.Equal([false, true, false], list.Select(c => c.IsRunning));
    }

    [Fact]
    public async Task Podman_list_survives_a_failing_libpod_list()
    {
        string compat = $$"""[{"Id":"{{Id1}}","Names":["/a"],"State":"running"}]""";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion, r =>
            r.Target == "/v1.41/containers/json?all=1" ? FakeResponse.Json(compat) : FakeResponse.Json("""{"message":"boom"}""", HttpStatusCode.InternalServerError)));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var c = Assert.Single(await runtime.ListContainersAsync(CancellationToken.None));
        Assert.Equal("a", c.Name);
        Assert.Null(c.PodmanPod);
    }

    [Fact]
    public async Task Engine_evidence_is_version_and_info_byte_exact()
    {
        string version = FakeDaemon.DockerVersion();
        const string info = """{"ID":"X", "Containers":3,"Name":"host"}""";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(version, r => r.Path == "/v1.41/info" ? FakeResponse.Json(info) : null));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var sink = new RecordingSink();
        await runtime.CollectEngineAsync(sink, new CollectionOptions(), CancellationToken.None);

        // This daemon answers nothing else: only the later documents fail.
        Assert.DoesNotContain(sink.Errors, e => e.Message.StartsWith("version", StringComparison.Ordinal) || e.Message.StartsWith("info", StringComparison.Ordinal));
        Assert.Equal(["version.json", "info.json"], sink.Items.Select(i => i.Item.Name));
        Assert.All(sink.Items, i => Assert.Equal(EvidenceSection.Metadata, i.Item.Section));
        Assert.Equal(Encoding.UTF8.GetBytes(version), sink["version.json"].Content);
        Assert.Equal(Encoding.UTF8.GetBytes(info), sink["info.json"].Content);
        Assert.Equal("GET /version", sink.Items[0].Item.Source!.Description);
        Assert.Equal("GET /v1.41/info", sink.Items[1].Item.Source!.Description);
        Assert.NotNull(sink.Items[0].Item.CollectedAt);
    }

    [Fact]
    public async Task Failing_info_is_recorded_and_version_still_collected()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Json("""{"message":"info broke"}""", HttpStatusCode.InternalServerError)));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var sink = new RecordingSink();
        await runtime.CollectEngineAsync(sink, new CollectionOptions(), CancellationToken.None);
        Assert.Equal(["version.json"], sink.Items.Select(i => i.Item.Name));
        var (message, ex) = sink.Errors[0];
        Assert.Equal("info.json not collected", message);
        Assert.Contains("info broke", ex!.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metadata_phase_yields_inspect_json_byte_exact()
    {
        const string inspect = """{"Id":"abc","Name":"/web",  "State":{"Status":"running"}}""";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path switch
            {
                "/v1.41/containers/abc/json" => FakeResponse.Json(inspect),
                "/v1.41/containers/abc/changes" => FakeResponse.Json("null"),
                _ => null,
            }));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var sink = new RecordingSink();
        var container = new ContainerInfo { Runtime = "docker", Id = "abc", Name = "web" };
        await runtime.CollectContainerAsync(container, CollectionPhase.Metadata, sink, new CollectionOptions(), CancellationToken.None);

        var (item, content) = sink.Items[0];
        Assert.Equal("inspect.json", item.Name);
        Assert.Equal(EvidenceSection.Metadata, item.Section);
        Assert.Equal("GET /v1.41/containers/abc/json", item.Source!.Description);
        Assert.Equal(Encoding.UTF8.GetBytes(inspect), content);
    }

    [Theory]
    [InlineData(CollectionPhase.Volatile)]
    public async Task A_container_that_is_not_running_has_no_volatile_state(CollectionPhase phase)
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion()));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(new ContainerInfo { Runtime = "docker", Id = "abc", State = "exited" }, phase, sink, new CollectionOptions(), CancellationToken.None);
        Assert.Empty(sink.Items);
        Assert.Empty(sink.Errors);
        Assert.Equal(["GET /version"], server.Requests);
    }

    [Fact]
    public async Task Vanished_container_throws_container_gone()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.NotFound("No such container: abc")));
        await using var runtime = new DockerRuntime(await FakeDaemon.ConnectAsync(server));
        var ex = await Assert.ThrowsAsync<ContainerGoneException>(() => runtime.CollectContainerAsync(
            new ContainerInfo { Runtime = "docker", Id = "abc" }, CollectionPhase.Metadata, new RecordingSink(), new CollectionOptions(), CancellationToken.None));
        Assert.Equal("abc", ex.ContainerId);
        Assert.Contains("No such container: abc", ex.Message, StringComparison.Ordinal);
    }
}
