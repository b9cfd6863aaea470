using System.Diagnostics;
using System.Net;
using System.Text;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Tests.Fakes;

namespace ContainerForensics.Docker.Tests;

public sealed class DockerClientTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    /// <summary>A hang guard, not a performance assertion: a hung call must end around its budget.</summary>
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData("1.41", "1.12", "1.41")]
    [InlineData("1.24", "1.12", "1.24")]
    [InlineData("1.47", "1.24", "1.47")]
    [InlineData("1.51", "1.24", "1.47")]
    [InlineData("2.3", "1.24", "1.47")]
    [InlineData("1.60", "1.50", "1.50")]
    public void Negotiation_takes_the_lower_version(string server, string min, string expected) =>
        Assert.Equal(DockerApiVersion.Parse(expected), DockerClient.Negotiate(DockerApiVersion.Parse(server), DockerApiVersion.Parse(min)));

    [Fact]
    public void Negotiation_without_a_server_version_uses_unversioned_paths() => Assert.Null(DockerClient.Negotiate(null, null));

    [Theory]
    [InlineData("1.41", true)]
    [InlineData("1.4x", false)]
    [InlineData("1", false)]
    [InlineData("v1.41", false)]
    [InlineData("4.3.1", false)]
    [InlineData("", false)]
    public void Api_version_parsing(string text, bool ok) => Assert.Equal(ok, DockerApiVersion.TryParse(text, out _));

    [Fact]
    public async Task Negotiates_then_prefixes_every_path()
    {
        string version = FakeDaemon.DockerVersion("1.41");
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(version, r => r.Path == "/v1.41/info" ? FakeResponse.Json("""{"ID":"x"}""") : null));
        using var client = await FakeDaemon.ConnectAsync(server);

        Assert.Equal(new DockerApiVersion(1, 41), client.ApiVersion);
        Assert.Equal("20.10.24+dfsg1", client.ServerVersion.Version);
        Assert.False(client.ServerVersion.IsPodman);
        Assert.Equal("docker", client.ServerVersion.RuntimeName);
        Assert.Null(client.Libpod);
        // The raw /version is kept byte-exact.
        Assert.Equal(Encoding.UTF8.GetBytes(version), client.ServerVersion.Raw.Bytes.ToArray());
        Assert.Equal("GET /version", client.ServerVersion.Raw.Call);

        var info = await client.System.InfoRawAsync(CancellationToken.None);
        Assert.Equal("GET /v1.41/info", info.Call);
        Assert.Equal(["GET /version", "GET /v1.41/info"], server.Requests);
    }

    [Fact]
    public async Task Newer_daemon_is_spoken_to_in_our_newest_version()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion("1.52", "1.24"), _ => FakeResponse.Json("[]")));
        using var client = await FakeDaemon.ConnectAsync(server);
        await client.Containers.ListAsync(all: true, CancellationToken.None);
        Assert.Equal(DockerClient.MaxApiVersion, client.ApiVersion);
        Assert.Contains("GET /v1.47/containers/json?all=1", server.Requests);
    }

    [Fact]
    public async Task Daemon_without_api_version_gets_unversioned_paths()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler("""{"Version":"0.1"}""", _ => FakeResponse.Json("[]")));
        using var client = await FakeDaemon.ConnectAsync(server);
        await client.Containers.ListAsync(all: false, CancellationToken.None);
        Assert.Null(client.ApiVersion);
        Assert.Contains("GET /containers/json", server.Requests);
    }

    [Fact]
    public async Task Podman_is_recognised_by_its_engine_component()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion));
        using var client = await FakeDaemon.ConnectAsync(server);
        Assert.True(client.ServerVersion.IsPodman);
        Assert.Equal("podman", client.ServerVersion.RuntimeName);
        Assert.Equal("4.3.1", client.ServerVersion.LibpodApiVersion);
        Assert.NotNull(client.Libpod);
        Assert.Equal(new DockerApiVersion(1, 41), client.ApiVersion);
    }

    [Theory]
    [InlineData("""{"Platform":{"Name":"Podman Engine"},"ApiVersion":"1.41","Version":"5.0.0"}""")]
    [InlineData("""{"ApiVersion":"1.41","Version":"podman-5.0.0"}""")]
    public void Podman_is_recognised_by_platform_or_version_name(string json)
    {
        Assert.True(DockerVersion.Parse(Raw(json)).IsPodman);
    }

    [Fact]
    public void Podman_is_recognised_by_its_libpod_header()
    {
        var raw = Raw("""{"ApiVersion":"1.41","Version":"9"}""", ("Libpod-Api-Version", "5.2.0"));
        var v = DockerVersion.Parse(raw);
        Assert.True(v.IsPodman);
        Assert.Equal("5.2.0", v.LibpodApiVersion);
    }

    [Fact]
    public void Docker_desktop_platform_is_not_podman() =>
        Assert.False(DockerVersion.Parse(Raw("""{"Platform":{"Name":"Docker Engine - Community"},"Components":[{"Name":"Engine"}],"ApiVersion":"1.45"}""")).IsPodman);

    [Fact]
    public async Task Error_status_and_daemon_message_are_kept()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Json("""{"message":"storage driver exploded"}""", HttpStatusCode.InternalServerError)));
        using var client = await FakeDaemon.ConnectAsync(server);
        var ex = await Assert.ThrowsAsync<DockerApiException>(() => client.System.InfoRawAsync(CancellationToken.None));
        Assert.Equal(HttpStatusCode.InternalServerError, ex.StatusCode);
        Assert.Equal("storage driver exploded", ex.DaemonMessage);
        Assert.Equal("GET /v1.41/info", ex.Call);
        Assert.Equal(server.Endpoint, ex.Endpoint);
        Assert.Contains("HTTP 500", ex.Message, StringComparison.Ordinal);
        Assert.Contains("storage driver exploded", ex.Message, StringComparison.Ordinal);
        Assert.Contains(server.Endpoint, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Plain_text_error_body_becomes_the_message()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Text("bad gateway\n", HttpStatusCode.BadGateway)));
        using var client = await FakeDaemon.ConnectAsync(server);
        var ex = await Assert.ThrowsAsync<DockerApiException>(() => client.System.InfoRawAsync(CancellationToken.None));
        Assert.Equal(HttpStatusCode.BadGateway, ex.StatusCode);
        Assert.Equal("bad gateway", ex.DaemonMessage);
    }

    [Fact]
    public async Task Not_found_is_its_own_exception()
    {
        // Podman's 404 body, as sent by 4.3.1.
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.PodmanVersion, _ =>
            FakeResponse.Json("""{"cause":"no such container","message":"no container with name or ID \"abc\" found: no such container","response":404}""", HttpStatusCode.NotFound)));
        using var client = await FakeDaemon.ConnectAsync(server);
        var ex = await Assert.ThrowsAsync<DockerNotFoundException>(() => client.Containers.InspectRawAsync("abc", CancellationToken.None));
        Assert.Equal(HttpStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("no container with name or ID \"abc\" found: no such container", ex.DaemonMessage);
        Assert.Equal("GET /v1.41/containers/abc/json", ex.Call);
    }

    [Fact]
    public async Task Calls_that_walk_a_layer_get_eight_call_budgets()
    {
        // A diff and a disk usage that take twice the call budget (a layer of a million files)
        // are answered; an ordinary call that slow is not; a hung diff ends at eight budgets.
        // 1.5 s, not less: the same budget covers the /version negotiation on a loaded machine.
        var callBudget = TimeSpan.FromSeconds(1.5);
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
        {
            if (r.Path.Contains("/hung/", StringComparison.Ordinal))
            {
                return FakeResponse.Hang;
            }
            return FakeResponse.Json(r.Path.EndsWith("/changes", StringComparison.Ordinal) ? """[{"Path":"/tmp","Kind":0}]""" : "{}") with { Delay = callBudget * 2 };
        }));
        using var client = await FakeDaemon.ConnectAsync(server, callBudget);

        async Task<string> Streamed()
        {
            await using var body = await client.ContainerFiles.ChangesStreamAsync("slow", CancellationToken.None);
            return await new StreamReader(body).ReadToEndAsync();
        }
        var streamed = Streamed();
        var parsed = client.ContainerFiles.ChangesRawAsync("slow", CancellationToken.None);
        var df = client.System.DiskUsageRawAsync(CancellationToken.None);
        var info = Assert.ThrowsAsync<DockerTimeoutException>(() => client.System.InfoRawAsync(CancellationToken.None));
        Assert.Equal("""[{"Path":"/tmp","Kind":0}]""", await streamed);
        Assert.Equal(System.Text.Json.JsonValueKind.Array, (await parsed).Root.ValueKind);
        await df;
        Assert.Equal(callBudget, (await info).Budget);

        var sw = Stopwatch.StartNew();
        var hung = await Assert.ThrowsAsync<DockerTimeoutException>(() => client.ContainerFiles.ChangesStreamAsync("hung", CancellationToken.None));
        Assert.Equal(callBudget * 8, hung.Budget);
        Assert.Contains("no answer within 12 s", hung.Message, StringComparison.Ordinal);
        Assert.True(sw.Elapsed >= callBudget * 8 - TimeSpan.FromMilliseconds(200), $"gave up early: {sw.Elapsed}");
        Assert.True(sw.Elapsed < callBudget * 8 + HangGuard, $"took {sw.Elapsed}");
    }

    [Fact]
    public async Task Hung_daemon_costs_the_budget_and_names_endpoint_and_call()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.Hang));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<DockerTimeoutException>(() => client.Containers.ListAsync(all: true, CancellationToken.None));
        sw.Stop();
        Assert.True(sw.Elapsed < HangGuard, $"took {sw.Elapsed}");
        Assert.True(sw.Elapsed >= Budget - TimeSpan.FromMilliseconds(200), $"gave up early: {sw.Elapsed}");
        Assert.Equal(Budget, ex.Budget);
        Assert.Contains(server.Endpoint, ex.Message, StringComparison.Ordinal);
        Assert.Contains("GET /v1.41/containers/json?all=1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("no answer within 2 s", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_that_stops_halfway_costs_the_budget()
    {
        // Headers and half a document, then silence: the budget covers the whole body of a JSON call.
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Stream([Encoding.UTF8.GetBytes("{\"ID\":")], after: FakeBehaviour.Hang)));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<DockerTimeoutException>(() => client.System.InfoRawAsync(CancellationToken.None));
        Assert.True(sw.Elapsed < HangGuard, $"took {sw.Elapsed}");
        Assert.Equal("GET /v1.41/info", ex.Call);
    }

    [Fact]
    public async Task Hang_during_negotiation_is_a_timeout_too()
    {
        await using var server = FakeDockerServer.OnUnixSocket(_ => FakeResponse.Hang);
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<DockerTimeoutException>(() => FakeDaemon.ConnectAsync(server, Budget));
        Assert.True(sw.Elapsed < HangGuard, $"took {sw.Elapsed}");
        Assert.Equal("GET /version", ex.Call);
    }

    [Fact]
    public async Task Caller_cancellation_is_not_a_timeout()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.Hang));
        using var client = await FakeDaemon.ConnectAsync(server, TimeSpan.FromSeconds(30));
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.System.InfoRawAsync(cts.Token));
    }

    [Fact]
    public async Task Connection_closed_without_answer_is_a_connection_error()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.Close));
        using var client = await FakeDaemon.ConnectAsync(server);
        var ex = await Assert.ThrowsAsync<DockerConnectionException>(() => client.System.InfoRawAsync(CancellationToken.None));
        Assert.Equal("GET /v1.41/info", ex.Call);
    }

    [Fact]
    public async Task Invalid_json_is_a_protocol_error()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.Text("{not json", HttpStatusCode.OK)));
        using var client = await FakeDaemon.ConnectAsync(server);
        var ex = await Assert.ThrowsAsync<DockerProtocolException>(() => client.System.InfoRawAsync(CancellationToken.None));
        Assert.Contains("not valid JSON", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Body_over_the_limit_is_refused()
    {
        string big = "[" + string.Join(",", Enumerable.Repeat("\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"", 200)) + "]";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path.EndsWith("/info", StringComparison.Ordinal) ? FakeResponse.Json(big) : FakeResponse.Stream([Encoding.UTF8.GetBytes(big)])));
        using var client = await FakeDaemon.ConnectAsync(server, maxJsonBytes: 4096);
        var declared = await Assert.ThrowsAsync<DockerProtocolException>(() => client.System.InfoRawAsync(CancellationToken.None));
        Assert.Contains("over the limit", declared.Message, StringComparison.Ordinal);
        var chunked = await Assert.ThrowsAsync<DockerProtocolException>(() => client.Containers.ListRawAsync(true, CancellationToken.None));
        Assert.Contains("over the limit", chunked.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inspect_bytes_are_kept_exactly_as_sent()
    {
        // Odd spacing and key order must survive: the evidence is the daemon's bytes, not a re-serialisation.
        const string doc = "{ \"Name\":\"/web\" ,\n  \"Id\" : \"abc\", \"State\":{\"Status\":\"running\",\"Pid\":42},\"Config\":{\"Tty\":false}, \"X\":1.000 }";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path == "/v1.41/containers/abc/json" ? FakeResponse.Json(doc) : null));
        using var client = await FakeDaemon.ConnectAsync(server);
        var inspect = await client.Containers.InspectAsync("abc", CancellationToken.None);
        Assert.Equal(Encoding.UTF8.GetBytes(doc), inspect.Raw.Bytes.ToArray());
        Assert.Equal("abc", inspect.Id);
        Assert.Equal("/web", inspect.Name);
        Assert.Equal("running", inspect.State);
        Assert.Equal(42, inspect.Pid);
        Assert.False(inspect.Tty);
    }

    [Fact]
    public async Task List_is_parsed_leniently_but_an_entry_without_id_is_an_error()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Json("""[{"Id":"a","Names":["/proxy/web","/web"],"State":"Running","Created":"not a number","Labels":{"k":"v","n":1}},{"Names":["/x"]}]""")));
        using var client = await FakeDaemon.ConnectAsync(server);
        var ex = await Assert.ThrowsAsync<DockerProtocolException>(() => client.Containers.ListAsync(true, CancellationToken.None));
        Assert.Contains("entry 1 of the list has no Id", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ids_are_escaped_in_paths()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.NotFound("no")));
        using var client = await FakeDaemon.ConnectAsync(server);
        await Assert.ThrowsAsync<DockerNotFoundException>(() => client.Containers.InspectRawAsync("../../info?x=1", CancellationToken.None));
        Assert.Contains("GET /v1.41/containers/..%2F..%2Finfo%3Fx%3D1/json", server.Requests);
    }

    private static DockerJson Raw(string json, params (string, string)[] headers)
    {
        using var doc = System.Text.Json.JsonDocument.Parse(json);
        return new DockerJson("GET /version", Encoding.UTF8.GetBytes(json), doc.RootElement.Clone(), default,
            headers.ToDictionary(h => h.Item1, h => h.Item2, StringComparer.OrdinalIgnoreCase));
    }
}
