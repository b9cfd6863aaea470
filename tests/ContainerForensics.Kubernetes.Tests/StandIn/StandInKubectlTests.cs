using System.Text.Json;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Kubernetes.Tests.StandIn;

/// <summary>
/// The stand-in is only worth testing against if a real client accepts it: Debian's kubectl runs
/// against it here, through discovery (kubectl asks for aggregated discovery and must fall back to
/// the legacy documents), lists with chunking, logs, the self-subject reviews, and every kind of
/// kubeconfig credential.
/// </summary>
public sealed class StandInKubectlTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("cfir-kubectl-").FullName;
    private readonly StandInCluster _cluster = new();
    private StandInApiServer _server = null!;
    private IncidentScenario _scenario = null!;

    public async Task InitializeAsync()
    {
        _scenario = IncidentScenario.Fill(_cluster);
        _server = await StandInApiServer.StartAsync(_cluster);
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }

    [KubectlFact]
    public async Task GetPodsAsJsonKeepsEveryItemAndUnknownFields()
    {
        string json = (await Kubectl().RunAsync("get", "pods", "-o", "json", "-n", _scenario.Namespace)).Ok();

        using var doc = JsonDocument.Parse(json);
        var items = doc.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal([_scenario.CrashLoopPodName, _scenario.PodName], items.Select(i => i.GetProperty("metadata").GetProperty("name").GetString()));
        var web = items.Single(i => i.GetProperty("metadata").GetProperty("uid").GetString() == _scenario.PodUid);
        Assert.Equal("v1.99", web.GetProperty("futureField").GetProperty("addedIn").GetString());
        Assert.Equal(_scenario.EphemeralContainer, web.GetProperty("spec").GetProperty("ephemeralContainers")[0].GetProperty("name").GetString());
    }

    // kubectl asks for aggregated discovery from 1.27 on; older ones read the legacy documents directly.
    [KubectlFact(MinimumMinor = 27)]
    public async Task DiscoveryFallsBackFromAggregatedToLegacyDocuments()
    {
        (await Kubectl().RunAsync("get", "deployments", "-n", _scenario.Namespace, "-o", "name")).Ok();

        var requests = _server.Requests;
        var apis = requests.First(r => r.Path == "/apis");
        Assert.Contains("as=APIGroupDiscoveryList", apis.Accept, StringComparison.Ordinal);
        Assert.Equal(200, apis.StatusCode);
        // Having read the legacy group list, kubectl fetches each group version's resource list.
        Assert.Contains(requests, r => r.Path == "/apis/apps/v1" && r.StatusCode == 200);
        Assert.Contains(requests, r => r.Path == $"/apis/apps/v1/namespaces/{_scenario.Namespace}/deployments");
    }

    [KubectlFact]
    public async Task GetPodsAcrossNamespacesPrintsATable()
    {
        _cluster.Add(K8sFixtures.Pod(new PodFixture("default", "other", K8sFixtures.Uuid("pod/other"))));

        string table = (await Kubectl().RunAsync("get", "pods", "-A")).Ok();

        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAMESPACE\s+NAME\b", lines[0]);
        Assert.Matches(@"^default\s+other\s", lines[1]);
        Assert.Matches($@"^shop\s+{_scenario.CrashLoopPodName}\s", lines[2]);
        Assert.Matches($@"^shop\s+{_scenario.PodName}\s", lines[3]);
        Assert.Equal(4, lines.Length);
    }

    [KubectlFact]
    public async Task LogsOfThePreviousInstanceWithTimestamps()
    {
        string log = (await Kubectl().RunAsync("logs", "--previous", "--timestamps", _scenario.PodName, "-c", _scenario.RestartedContainer, "-n", _scenario.Namespace)).Ok();

        string[] expected =
        [
            "2026-12-07T09:01:00.123456700Z sidecar starting",
            "2026-12-07T09:01:01.123456800Z fetching http://203.0.113.7/x.sh",
            "2026-12-07T09:01:02.123456900Z killed: exit 137",
        ];
        Assert.Equal(string.Join('\n', expected) + "\n", log);
    }

    [KubectlFact]
    public async Task LogsOfAContainerThatNeverRestartedHasNoPreviousInstance()
    {
        var result = await Kubectl().RunAsync("logs", "--previous", _scenario.PodName, "-c", "app", "-n", _scenario.Namespace);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains($"previous terminated container \"app\" in pod \"{_scenario.PodName}\" not found", result.Stderr, StringComparison.Ordinal);
    }

    [KubectlFact]
    public async Task GetEventsListsTheNamespacesEvents()
    {
        string output = (await Kubectl().RunAsync("get", "events", "-n", _scenario.Namespace)).Ok();

        Assert.Contains($"{_scenario.PodName}.181f0c2a3b4c5d62", output, StringComparison.Ordinal);
        Assert.Contains($"{_scenario.CrashLoopPodName}.181f0c2a3b4c5d70", output, StringComparison.Ordinal);
        // "events" is both core/v1 and events.k8s.io/v1: kubectl takes the core group first.
        Assert.Contains(_server.Requests, r => r.Path == $"/api/v1/namespaces/{_scenario.Namespace}/events");
    }

    [KubectlFact(MinimumMinor = 27)]
    public async Task AuthWhoamiReadsTheSelfSubjectReview()
    {
        _cluster.User = StandInUser.ServiceAccount("shop", "web", "5b1f0e4c-0000-4000-a000-00000000cafe");

        string json = (await Kubectl().RunAsync("auth", "whoami", "-o", "json")).Ok();

        using var doc = JsonDocument.Parse(json);
        var info = doc.RootElement.GetProperty("status").GetProperty("userInfo");
        Assert.Equal("system:serviceaccount:shop:web", info.GetProperty("username").GetString());
        Assert.Equal("5b1f0e4c-0000-4000-a000-00000000cafe", info.GetProperty("uid").GetString());
        Assert.Equal(["system:serviceaccounts", "system:serviceaccounts:shop", "system:authenticated"], info.GetProperty("groups").EnumerateArray().Select(g => g.GetString()));
    }

    [KubectlFact]
    public async Task AuthCanIListReadsTheRulesOfTheNamespaceAsked()
    {
        _cluster.SetRules(_scenario.Namespace,
            """{"resourceRules":[{"verbs":["get","list"],"apiGroups":[""],"resources":["pods","pods/log"]},{"verbs":["create"],"apiGroups":["authorization.k8s.io"],"resources":["selfsubjectrulesreviews"]}],"nonResourceRules":[{"verbs":["get"],"nonResourceURLs":["/healthz"]}],"incomplete":false}""");

        string output = (await Kubectl().RunAsync("auth", "can-i", "--list", "-n", _scenario.Namespace)).Ok();

        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^Resources\s+Non-Resource URLs\s+Resource Names\s+Verbs", lines[0]);
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^pods\s+\[\]\s+\[\]\s+\[get list\]"));
        Assert.Contains(lines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^\s+\[/healthz\]\s+\[\]\s+\[get\]"));
        Assert.DoesNotContain(lines, l => l.StartsWith("*.*", StringComparison.Ordinal));
    }

    [KubectlFact]
    public async Task ChunkedListWalksEveryPageWithContinueTokens()
    {
        for (int i = 0; i < 5; i++)
        {
            _cluster.Add(K8sFixtures.Pod(new PodFixture("batch", $"job-{i}", K8sFixtures.Uuid($"pod/job-{i}"))));
        }

        string names = (await Kubectl().RunAsync("get", "pods", "--chunk-size=2", "-A", "-o", "name")).Ok();

        string[] expected = ["job-0", "job-1", "job-2", "job-3", "job-4", _scenario.CrashLoopPodName, _scenario.PodName];
        Assert.Equal(expected.Select(n => "pod/" + n), names.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var pages = _server.Requests.Where(r => r.Path == "/api/v1/pods").ToList();
        Assert.Equal(4, pages.Count);
        Assert.All(pages, p => Assert.Equal("2", p.Query("limit")));
        Assert.Null(pages[0].Query("continue"));
        Assert.All(pages.Skip(1), p => Assert.NotNull(p.Query("continue")));
    }

    [KubectlFact]
    public async Task ClientCertificateKubeconfigAuthenticatesAsTheCertificatesSubject()
    {
        var certificate = _server.IssueClientCertificate("incident-responder", "forensics", "system:masters");
        string kubeconfig = _server.WriteKubeconfig(_dir, new KubeconfigOptions { Credential = KubeconfigCredential.ClientCertificate, ClientCertificate = certificate, FileName = "cert.kubeconfig" });

        string output = (await new KubectlRunner(kubeconfig, _dir).RunAsync("get", "ns")).Ok();

        Assert.Contains(_scenario.Namespace, output, StringComparison.Ordinal);
        Assert.All(_server.Requests, r => Assert.Equal("incident-responder", r.User));
    }

    [KubectlFact]
    public async Task TokenFileKubeconfigAuthenticates()
    {
        string kubeconfig = _server.WriteKubeconfig(_dir, new KubeconfigOptions { Credential = KubeconfigCredential.TokenFile, FileName = "token-file.kubeconfig", Namespace = _scenario.Namespace });

        string output = (await new KubectlRunner(kubeconfig, _dir).RunAsync("get", "ns")).Ok();

        Assert.Contains(_scenario.Namespace, output, StringComparison.Ordinal);
        Assert.Equal(_server.Token, File.ReadAllText(kubeconfig + ".token"));
        Assert.All(_server.Requests, r => Assert.Equal(StandInUser.Admin.Username, r.User));
    }

    [KubectlFact]
    public async Task InsecureKubeconfigConnectsAndAWrongTokenIsUnauthorized()
    {
        string insecure = _server.WriteKubeconfig(_dir, new KubeconfigOptions { InsecureSkipTlsVerify = true, FileName = "insecure.kubeconfig" });
        string wrong = _server.WriteKubeconfig(_dir, new KubeconfigOptions { Token = "not-the-token", FileName = "wrong.kubeconfig" });

        (await new KubectlRunner(insecure, _dir).RunAsync("get", "ns", _scenario.Namespace)).Ok();
        var denied = await new KubectlRunner(wrong, _dir).RunAsync("get", "ns");

        Assert.NotEqual(0, denied.ExitCode);
        Assert.Contains("Unauthorized", denied.Stderr, StringComparison.Ordinal);
    }

    private KubectlRunner Kubectl() => new(_server.WriteKubeconfig(_dir), _dir);
}
