using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;
using Microsoft.AspNetCore.Http;

namespace ContainerForensics.Kubernetes.Tests.StandIn;

/// <summary>
/// The stand-in's edge cases over plain HTTP: authentication, the Status errors and their
/// messages, the faults, paging, selectors, logs, and a clean stop with requests hung.
/// </summary>
public sealed class StandInHttpTests : IAsyncLifetime
{
    private readonly StandInCluster _cluster = new();
    private StandInApiServer _server = null!;
    private IncidentScenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _scenario = IncidentScenario.Fill(_cluster);
        _server = await StandInApiServer.StartAsync(_cluster);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public async Task WithoutTheTokenTheAnswerIs401Unauthorized()
    {
        using var anonymous = StandInHttp.Client(_server);
        using var wrong = StandInHttp.Client(_server, "wrong-token");

        foreach (var client in new[] { anonymous, wrong })
        {
            using var response = await client.GetAsync("/api/v1/namespaces");
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}""",
                await response.Content.ReadAsStringAsync());
        }
        Assert.All(_server.Requests, r => Assert.Null(r.User));
    }

    [Fact]
    public async Task AClientCertificateOfTheCaIsItsSubjectAndAnotherCasIsUnauthorized()
    {
        using var mine = _server.IssueClientCertificate("responder", "forensics").ToX509Certificate();
        await using var otherServer = await StandInApiServer.StartAsync(new StandInCluster());
        using var foreign = otherServer.IssueClientCertificate("responder", "forensics").ToX509Certificate();
        using var trusted = StandInHttp.Client(_server, certificate: mine);
        using var untrusted = StandInHttp.Client(_server, certificate: foreign);

        using var review = await trusted.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
            new StringContent("""{"kind":"SelfSubjectReview","apiVersion":"authentication.k8s.io/v1","metadata":{"creationTimestamp":null},"status":{}}""", Encoding.UTF8, "application/json"));
        using var denied = await untrusted.GetAsync("/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.Created, review.StatusCode);
        using var doc = JsonDocument.Parse(await review.Content.ReadAsStringAsync());
        var info = doc.RootElement.GetProperty("status").GetProperty("userInfo");
        Assert.Equal("responder", info.GetProperty("username").GetString());
        Assert.Equal(["forensics", "system:authenticated"], info.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
        Assert.Equal(HttpStatusCode.Unauthorized, denied.StatusCode);
    }

    [Fact]
    public async Task ForbiddenAnswersCarryTheAuthorizersMessage()
    {
        _cluster.Faults.Forbid("secrets", _scenario.Namespace);
        _cluster.Faults.Forbid("clusterrolebindings", verb: "list");
        _cluster.Faults.Forbid("pods/log");
        using var client = StandInHttp.Client(_server, _server.Token);

        var get = await StatusOf(client, $"/api/v1/namespaces/shop/secrets/{_scenario.SecretName}");
        var list = await StatusOf(client, "/api/v1/namespaces/shop/secrets");
        var all = await StatusOf(client, "/api/v1/secrets");
        var cluster = await StatusOf(client, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings");
        var log = await StatusOf(client, $"/api/v1/namespaces/shop/pods/{_scenario.PodName}/log?container=app");
        using var allowed = await client.GetAsync($"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/{_scenario.ClusterAdminBindingName}");

        Assert.Equal((403, "Forbidden", "secrets \"web-db\" is forbidden: User \"kubernetes-admin\" cannot get resource \"secrets\" in API group \"\" in the namespace \"shop\""), get);
        Assert.Equal((403, "Forbidden", "secrets is forbidden: User \"kubernetes-admin\" cannot list resource \"secrets\" in API group \"\" in the namespace \"shop\""), list);
        Assert.Equal((403, "Forbidden", "secrets is forbidden: User \"kubernetes-admin\" cannot list resource \"secrets\" in API group \"\" at the cluster scope"), all);
        Assert.Equal((403, "Forbidden", "clusterrolebindings.rbac.authorization.k8s.io is forbidden: User \"kubernetes-admin\" cannot list resource \"clusterrolebindings\" in API group \"rbac.authorization.k8s.io\" at the cluster scope"), cluster);
        Assert.Equal((403, "Forbidden", $"pods \"{_scenario.PodName}\" is forbidden: User \"kubernetes-admin\" cannot get resource \"pods/log\" in API group \"\" in the namespace \"shop\""), log);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
    }

    [Fact]
    public async Task NotFoundNamesTheQualifiedResource()
    {
        using var client = StandInHttp.Client(_server, _server.Token);

        using var response = await client.GetAsync("/apis/apps/v1/namespaces/shop/deployments/gone");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"gone\" not found","reason":"NotFound","details":{"name":"gone","group":"apps","kind":"deployments"},"code":404}""",
            await response.Content.ReadAsStringAsync());
        Assert.Equal((404, "NotFound", "the server could not find the requested resource"), await StatusOf(client, "/apis/apps/v1/namespaces/shop/widgets"));
    }

    [Fact]
    public async Task AnObjectIsServedByteExactAloneAndInItsList()
    {
        string stored = K8sFixtures.ConfigMap("shop", "spaced", K8sFixtures.Uuid("cm/spaced"), new Dictionary<string, string> { ["k"] = "v" })
            .Replace("{\"kind\"", "{ \"zz\": 1e3,\n  \"kind\"", StringComparison.Ordinal);
        _cluster.Add(stored);
        using var client = StandInHttp.Client(_server, _server.Token);

        byte[] single = await client.GetByteArrayAsync("/api/v1/namespaces/shop/configmaps/spaced");
        string list = await client.GetStringAsync("/api/v1/namespaces/shop/configmaps");

        Assert.Equal(Encoding.UTF8.GetBytes(stored), single);
        Assert.Contains(stored, list, StringComparison.Ordinal);
        using var doc = JsonDocument.Parse(list);
        Assert.Equal("ConfigMapList", doc.RootElement.GetProperty("kind").GetString());
        Assert.Equal(_cluster.ResourceVersion, doc.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString());
    }

    [Fact]
    public async Task PagesAreOrderedByNamespaceThenNameAndCountWhatRemains()
    {
        AddPods(("b", "p2"), ("a", "p9"), ("b", "p1"), ("a-z", "p0"));
        using var client = StandInHttp.Client(_server, _server.Token);

        var names = new List<string>();
        var remaining = new List<long?>();
        string? token = null;
        do
        {
            using var page = JsonDocument.Parse(await client.GetStringAsync("/api/v1/pods?limit=2" + (token is null ? "" : "&continue=" + token)));
            var meta = page.RootElement.GetProperty("metadata");
            names.AddRange(page.RootElement.GetProperty("items").EnumerateArray().Select(i => $"{i.GetProperty("metadata").GetProperty("namespace").GetString()}/{i.GetProperty("metadata").GetProperty("name").GetString()}"));
            token = meta.TryGetProperty("continue", out var c) ? Uri.EscapeDataString(c.GetString()!) : null;
            remaining.Add(meta.TryGetProperty("remainingItemCount", out var r) ? r.GetInt64() : null);
        }
        while (token is not null);

        Assert.Equal(["a/p9", "a-z/p0", "b/p1", "b/p2", $"shop/{_scenario.CrashLoopPodName}", $"shop/{_scenario.PodName}"], names);
        Assert.Equal([4, 2, null], remaining);
    }

    [Fact]
    public async Task AnExpiredContinueIs410WithATokenToGoOnInconsistently()
    {
        AddPods(("x", "p1"), ("x", "p2"), ("x", "p3"));
        _cluster.Faults.ExpireContinue("pods");
        using var client = StandInHttp.Client(_server, _server.Token);
        using var first = JsonDocument.Parse(await client.GetStringAsync("/api/v1/namespaces/x/pods?limit=1"));
        string token = first.RootElement.GetProperty("metadata").GetProperty("continue").GetString()!;

        using var expired = await client.GetAsync("/api/v1/namespaces/x/pods?limit=1&continue=" + Uri.EscapeDataString(token));
        using var status = JsonDocument.Parse(await expired.Content.ReadAsStringAsync());
        string inconsistent = status.RootElement.GetProperty("metadata").GetProperty("continue").GetString()!;
        using var rest = JsonDocument.Parse(await client.GetStringAsync("/api/v1/namespaces/x/pods?continue=" + Uri.EscapeDataString(inconsistent)));

        Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
        Assert.Equal("Expired", status.RootElement.GetProperty("reason").GetString());
        Assert.StartsWith("The provided continue parameter is too old to display a consistent list result.", status.RootElement.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(["p2", "p3"], rest.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()));
    }

    [Fact]
    public async Task TooManyRequestsSaysWhenToRetry()
    {
        _cluster.Faults.TooManyRequests("/api/v1/namespaces/shop/pods", times: 1, retryAfterSeconds: 3);
        using var client = StandInHttp.Client(_server, _server.Token);

        using var throttled = await client.GetAsync("/api/v1/namespaces/shop/pods");
        using var then = await client.GetAsync("/api/v1/namespaces/shop/pods");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Too many requests, please try again later.","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}""",
            await throttled.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, then.StatusCode);
    }

    [Fact]
    public async Task SelectorsFilterAndAnUnsupportedFieldIsABadRequest()
    {
        using var client = StandInHttp.Client(_server, _server.Token);

        var web = await Names(client, "/api/v1/namespaces/shop/pods?labelSelector=" + Uri.EscapeDataString("app=web,pod-template-hash,!nope"));
        var notWeb = await Names(client, "/api/v1/pods?labelSelector=" + Uri.EscapeDataString("app!=web"));
        var inSet = await Names(client, "/api/v1/pods?labelSelector=" + Uri.EscapeDataString("app in (cache, db)"));
        var coreEvents = await Names(client, "/api/v1/namespaces/shop/events?fieldSelector=" + Uri.EscapeDataString($"involvedObject.uid={_scenario.CrashLoopPodUid}"));
        var newEvents = await Names(client, "/apis/events.k8s.io/v1/events?fieldSelector=" + Uri.EscapeDataString($"regarding.name={_scenario.CrashLoopPodName},type=Warning"));
        var onNode = await Names(client, "/api/v1/pods?fieldSelector=" + Uri.EscapeDataString("spec.nodeName=worker-1,metadata.name!=cache-0"));
        var unsupported = await StatusOf(client, "/api/v1/pods?fieldSelector=status.qosClass%3DBestEffort");

        Assert.Equal([_scenario.PodName], web);
        Assert.Equal([_scenario.CrashLoopPodName], notWeb);
        Assert.Equal([_scenario.CrashLoopPodName], inSet);
        Assert.Equal([$"{_scenario.CrashLoopPodName}.181f0c2a3b4c5d70"], coreEvents);
        Assert.Equal([$"{_scenario.CrashLoopPodName}.181f0c2a3b4c5d70"], newEvents);
        Assert.Equal([_scenario.PodName], onNode);
        Assert.Equal((400, "BadRequest", "field label not supported: status.qosClass"), unsupported);
    }

    [Fact]
    public async Task LogsCutAtLimitBytesAndSelectByTailAndSince()
    {
        using var client = StandInHttp.Client(_server, _server.Token);
        string path = $"/api/v1/namespaces/shop/pods/{_scenario.PodName}/log?container=app&timestamps=true";

        string full = await client.GetStringAsync(path);
        using var cut = await client.GetAsync(path + "&limitBytes=40");
        string tail = await client.GetStringAsync(path + "&tailLines=1");
        string since = await client.GetStringAsync($"{path}&sinceTime={Uri.EscapeDataString("2026-12-07T09:01:01Z")}");

        Assert.Equal(string.Concat(_scenario.AppLog.Select((l, i) => $"{PodLogTime(i)} {l}\n")), full);
        Assert.Equal("text/plain", cut.Content.Headers.ContentType?.MediaType);
        Assert.Equal(Encoding.UTF8.GetBytes(full)[..40], await cut.Content.ReadAsByteArrayAsync());
        Assert.Equal($"{PodLogTime(2)} {_scenario.AppLog[2]}\n", tail);
        Assert.Equal(string.Concat(_scenario.AppLog.Skip(1).Select((l, i) => $"{PodLogTime(i + 1)} {l}\n")), since);
    }

    [Fact]
    public async Task LogErrorsAreTheRealServersBadRequests()
    {
        using var client = StandInHttp.Client(_server, _server.Token);
        string pod = $"/api/v1/namespaces/shop/pods/{_scenario.PodName}/log";

        Assert.Equal((400, "BadRequest", $"a container name must be specified for pod {_scenario.PodName}, choose one of: [app sidecar] or one of the init containers: [init-config]"),
            await StatusOf(client, pod));
        Assert.Equal((400, "BadRequest", $"container nope is not valid for pod {_scenario.PodName}"), await StatusOf(client, pod + "?container=nope"));
        Assert.Equal((400, "BadRequest", $"previous terminated container \"app\" in pod \"{_scenario.PodName}\" not found"), await StatusOf(client, pod + "?container=app&previous=true"));
        Assert.Equal((404, "NotFound", "pods \"ghost\" not found"), await StatusOf(client, "/api/v1/namespaces/shop/pods/ghost/log"));
        Assert.Equal((422, "Invalid", $"PodLogOptions \"{_scenario.PodName}\" is invalid: limitBytes: Invalid value: 0: must be greater than 0"),
            await StatusOf(client, pod + "?container=app&limitBytes=0"));
        // The ephemeral container is a valid choice; the crash-looping container has only a previous log.
        Assert.Equal("", await client.GetStringAsync(pod + $"?container={_scenario.EphemeralContainer}"));
        Assert.Equal(string.Concat(_scenario.CrashLog.Select(l => l + "\n")),
            await client.GetStringAsync($"/api/v1/namespaces/shop/pods/{_scenario.CrashLoopPodName}/log?previous=true"));
    }

    [Fact]
    public async Task BothHttpVersionsAreSpoken()
    {
        using var h2 = StandInHttp.Client(_server, _server.Token, version: HttpVersion.Version20);
        using var h1 = StandInHttp.Client(_server, _server.Token, version: HttpVersion.Version11);

        using var a = await h2.GetAsync("/version");
        using var b = await h1.GetAsync("/api");

        Assert.Equal(HttpVersion.Version20, a.Version);
        Assert.Equal(HttpVersion.Version11, b.Version);
        Assert.Equal(["HTTP/2", "HTTP/1.1"], _server.Requests.Select(r => r.Protocol));
        using var version = JsonDocument.Parse(await a.Content.ReadAsStringAsync());
        Assert.Equal(("1", "32", "v1.32.4"), (version.RootElement.GetProperty("major").GetString(), version.RootElement.GetProperty("minor").GetString(), version.RootElement.GetProperty("gitVersion").GetString()));
    }

    [Fact]
    public async Task DiscoveryListsBuiltInAndCustomResources()
    {
        using var client = StandInHttp.Client(_server, _server.Token);

        using var core = JsonDocument.Parse(await client.GetStringAsync("/api/v1"));
        using var groups = JsonDocument.Parse(await client.GetStringAsync("/apis"));
        using var custom = JsonDocument.Parse(await client.GetStringAsync("/apis/ops.example.com/v1"));
        _cluster.Add("""{"apiVersion":"ops.example.com/v1","kind":"Task","metadata":{"name":"mine","namespace":"shop","uid":"t-1"},"spec":{"cmd":"xmrig"}}""");
        using var tasks = JsonDocument.Parse(await client.GetStringAsync("/apis/ops.example.com/v1/namespaces/shop/tasks"));

        var pods = core.RootElement.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("name").GetString() == "pods");
        Assert.Equal(["po"], pods.GetProperty("shortNames").EnumerateArray().Select(s => s.GetString()));
        Assert.Contains(core.RootElement.GetProperty("resources").EnumerateArray(), r => r.GetProperty("name").GetString() == "pods/log");
        Assert.Contains(groups.RootElement.GetProperty("groups").EnumerateArray(), g => g.GetProperty("name").GetString() == "ops.example.com");
        Assert.Equal("tasks", custom.RootElement.GetProperty("resources")[0].GetProperty("name").GetString());
        Assert.Equal("TaskList", tasks.RootElement.GetProperty("kind").GetString());
        Assert.Equal("mine", tasks.RootElement.GetProperty("items")[0].GetProperty("metadata").GetProperty("name").GetString());
    }

    [Fact]
    public async Task AHookAnswersBeforeTheServer()
    {
        _server.Hook = async ctx =>
        {
            if (ctx.Request.Path != "/version")
            {
                return false;
            }
            ctx.Response.StatusCode = 503;
            await ctx.Response.WriteAsync("hooked");
            return true;
        };
        using var client = StandInHttp.Client(_server, _server.Token);

        using var hooked = await client.GetAsync("/version");
        using var normal = await client.GetAsync("/api");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, hooked.StatusCode);
        Assert.Equal("hooked", await hooked.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, normal.StatusCode);
        Assert.Equal([503, 200], _server.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task SlowAnswersComeLate()
    {
        _cluster.Faults.Slow("/api/v1/namespaces", TimeSpan.FromMilliseconds(300));
        using var client = StandInHttp.Client(_server, _server.Token);

        var clock = Stopwatch.StartNew();
        using var response = await client.GetAsync("/api/v1/namespaces");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(290), $"answered after {clock.Elapsed}");
    }

    [Fact]
    public async Task AHungRequestTimesOutAndTheServerStillStopsPromptly()
    {
        var cluster = new StandInCluster();
        cluster.Faults.Hang("/api/v1/pods");
        // A shutdown timeout far beyond the guard below: the stop must cut hung answers, not wait them out.
        var server = await StandInApiServer.StartAsync(cluster, new StandInOptions { ShutdownTimeout = TimeSpan.FromMinutes(5) });
        using var client = StandInHttp.Client(server, server.Token, timeout: TimeSpan.FromMilliseconds(300));
        using var patient = StandInHttp.Client(server, server.Token);

        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync("/api/v1/pods"));
        var stillHanging = patient.GetAsync("/api/v1/pods");
        await WaitUntil(() => server.Requests.Count == 2);
        await server.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        await Assert.ThrowsAnyAsync<HttpRequestException>(() => stillHanging);
        Assert.All(server.Requests, r => Assert.Equal(0, r.StatusCode));
    }

    [Fact]
    public async Task AStalledBodySendsHeadersAndSomeBytesThenNothing()
    {
        _cluster.Faults.StallBody($"/api/v1/namespaces/shop/pods/{_scenario.PodName}/log", afterBytes: 10);
        using var client = StandInHttp.Client(_server, _server.Token);

        using var response = await client.GetAsync($"/api/v1/namespaces/shop/pods/{_scenario.PodName}/log?container=app", HttpCompletionOption.ResponseHeadersRead);
        await using var body = await response.Content.ReadAsStreamAsync();
        var received = new MemoryStream();
        var buffer = new byte[64];
        while (received.Length < 10)
        {
            int n = await body.ReadAsync(buffer);
            Assert.NotEqual(0, n);
            received.Write(buffer, 0, n);
        }
        using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var more = body.ReadAsync(buffer, wait.Token).AsTask();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(_scenario.AppLog[0][..10], Encoding.UTF8.GetString(received.ToArray()));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => more);
    }

    private void AddPods(params (string Ns, string Name)[] pods)
    {
        foreach (var (ns, name) in pods)
        {
            _cluster.Add(K8sFixtures.Pod(new PodFixture(ns, name, K8sFixtures.Uuid($"pod/{ns}/{name}"))));
        }
    }

    private string PodLogTime(int line) => PodLogEndpointTime(_scenario.LineTime(line));

    private static string PodLogEndpointTime(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture) + "00Z";

    private static async Task<List<string>> Names(HttpClient client, string path)
    {
        using var doc = JsonDocument.Parse(await client.GetStringAsync(path));
        return [.. doc.RootElement.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("metadata").GetProperty("name").GetString()!)];
    }

    private static async Task<(int Code, string Reason, string Message)> StatusOf(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var s = doc.RootElement;
        Assert.Equal("Status", s.GetProperty("kind").GetString());
        Assert.Equal((int)response.StatusCode, s.GetProperty("code").GetInt32());
        return (s.GetProperty("code").GetInt32(), s.GetProperty("reason").GetString()!, s.GetProperty("message").GetString()!);
    }

    private static async Task WaitUntil(Func<bool> condition)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), "condition not met in 5 s");
            await Task.Delay(10);
        }
    }
}
