using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>cfir report</c> on the incident scenario collected by the real cfir from the stand-in API
/// server, with one more pod that mounts the node's root: the web pod's service account bound to
/// cluster-admin and its mounted Secret, the agent's hostPath, each resting on the archive's
/// documents with their sha256; the crash-looping cache pod has nothing of the kind.
/// </summary>
public sealed class ReportKubernetesTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StandInCluster _cluster = new();
    private IncidentScenario _scenario = null!;
    private StandInApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _scenario = IncidentScenario.Fill(_cluster);
        _cluster.Add(K8sFixtures.Pod(new PodFixture(_scenario.Namespace, "node-agent", K8sFixtures.Uuid("pod/node-agent"))
        {
            Volumes = [VolumeFixture.HostPath("host", "/")],
            Containers = [new("agent", "registry.example.com/ops/agent:1") { Mounts = [("host", "/host")] }],
        }));
        _server = await StandInApiServer.StartAsync(_cluster);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Cluster_admin_secrets_and_host_paths_are_found_in_the_pods_that_have_them_only()
    {
        string archive = _dir["k.tar"];
        var collect = await CfirProcess.RunAsync(
            ["collect", "--runtime", "kubernetes", "--kubeconfig", _server.WriteKubeconfig(_dir["kc"]), "-n", _scenario.Namespace, "-q", "-f", "tar", "-o", archive],
            new Dictionary<string, string?> { ["HOME"] = _dir["home"] });
        Assert.True(collect.ExitCode == (int)ExitCode.Complete, collect.Describe());

        var report = await CfirProcess.RunAsync("report", archive, "-f", "json", "-o", "-");
        Assert.True(report.ExitCode == 0, report.Describe());
        using var doc = JsonDocument.Parse(report.Stdout);
        var findings = doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.Clone()).ToList();
        string Folder(string pod, string uid) => $"containers/kubernetes/{_scenario.Namespace}/pods/{_scenario.Namespace}_{pod}_{uid}";
        string web = Folder(_scenario.PodName, _scenario.PodUid);
        string agent = Folder("node-agent", K8sFixtures.Uuid("pod/node-agent"));
        string cache = Folder(_scenario.CrashLoopPodName, _scenario.CrashLoopPodUid);

        List<string> Evidence(string id, string folder)
        {
            var f = findings.SingleOrDefault(x => x.GetProperty("id").GetString() == id && x.GetProperty("container").GetString() == folder);
            Assert.True(f.ValueKind == JsonValueKind.Object, $"no {id} in {folder}:\n{report.StdoutText}");
            var evidence = f.GetProperty("evidence").EnumerateArray().ToList();
            Assert.All(evidence, e => Assert.Matches("^[0-9a-f]{64}$", e.GetProperty("sha256").GetString()));
            return [.. evidence.Select(e => e.GetProperty("path").GetString()!)];
        }
        Assert.Equal([$"{web}/api/metadata/rbac/grants.json", $"{web}/api/metadata/rbac/clusterrolebindings/{_scenario.ClusterAdminBindingName}.json", $"{web}/api/metadata/rbac/clusterroles/cluster-admin.json"],
            Evidence("CFIR-K8S-CLUSTER-ADMIN", web));
        Assert.Equal([$"{web}/api/metadata/pod.json", $"{web}/api/metadata/secrets/{_scenario.SecretName}.json"], Evidence("CFIR-K8S-SECRET-MOUNTED", web));
        Assert.Equal([$"{agent}/api/metadata/pod.json"], Evidence("CFIR-K8S-HOSTPATH", agent));
        Assert.Equal([$"{agent}/api/metadata/pod.json"], Evidence("CFIR-CTR-HOST-ROOT", agent));
        Assert.DoesNotContain(findings, f => f.GetProperty("container").GetString() == agent && f.GetProperty("id").GetString() == "CFIR-K8S-CLUSTER-ADMIN");
        Assert.DoesNotContain(findings, f => f.GetProperty("container").GetString() == cache
            && (f.GetProperty("severity").GetString() is not ("info" or "low") || f.GetProperty("id").GetString()!.StartsWith("CFIR-K8S-", StringComparison.Ordinal)));

        // The HTML: the pod's log lines nearest its start (the kubelet's timestamps) around the cluster-admin finding.
        string html = _dir["k.html"];
        var page = await CfirProcess.RunAsync("report", archive, "-o", html);
        Assert.True(page.ExitCode == 0, page.Describe());
        string text = await File.ReadAllTextAsync(html);
        int excerpt = text.IndexOf("class=\"excerpt\" data-rule=\"CFIR-K8S-CLUSTER-ADMIN\"", StringComparison.Ordinal);
        Assert.True(excerpt > 0, "no log excerpt for CFIR-K8S-CLUSTER-ADMIN");
        string block = text[excerpt..text.IndexOf("</pre>", excerpt, StringComparison.Ordinal)];
        Assert.Contains("s after the pod&#39;s start", block, StringComparison.Ordinal);
        Assert.Contains($"<code>{web}/api/logs/", block, StringComparison.Ordinal);
        Assert.Contains("<mark>", block, StringComparison.Ordinal);
    }
}
