using System.Text;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport.Kubernetes;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// The incident scenario collected end to end by the real cfir process from the stand-in API
/// server through a kubeconfig: the archive verifies, holds each pod's object and logs before the
/// cluster's evidence (order of volatility), the pods' context, and never a Secret's value.
/// </summary>
public sealed class KubernetesCollectTests : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StandInCluster _cluster = new();
    private IncidentScenario _scenario = null!;
    private StandInApiServer _server = null!;

    public async Task InitializeAsync()
    {
        _scenario = IncidentScenario.Fill(_cluster);
        _server = await StandInApiServer.StartAsync(_cluster);
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    public void Dispose() => _dir.Dispose();

    private async Task<(ProcessResult Result, string Archive)> CollectAsync(params string[] more)
    {
        string kubeconfig = _server.WriteKubeconfig(_dir["kc"]);
        string archive = _dir["case.tar"];
        var result = await CfirProcess.RunAsync(
            ["collect", "--runtime", "kubernetes", "--kubeconfig", kubeconfig, "-q", "-f", "tar", "-o", archive, .. more],
            new Dictionary<string, string?> { ["HOME"] = _dir["home"] });
        return (result, archive);
    }

    private string PodFolder(string pod, string uid) => $"containers/kubernetes/{_scenario.Namespace}/pods/{_scenario.Namespace}_{pod}_{uid}/api";

    [Fact]
    public async Task The_incident_is_collected_pods_and_logs_first_then_the_cluster_then_each_pods_context_and_the_archive_verifies()
    {
        var (result, archive) = await CollectAsync("-n", _scenario.Namespace);

        Assert.True(result.ExitCode == (int)ExitCode.Complete, result.Describe());
        var verify = await CfirProcess.RunAsync("verify", archive);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        var members = await ArchiveTools.ListAsync(archive);
        string web = PodFolder(_scenario.PodName, _scenario.PodUid);
        string cache = PodFolder(_scenario.CrashLoopPodName, _scenario.CrashLoopPodUid);
        int Index(string member)
        {
            int i = members.ToList().IndexOf(member);
            Assert.True(i >= 0, $"{member} is not in the archive: {string.Join(", ", members)}");
            return i;
        }
        // Volatile first for every pod, then the cluster, then the pods' context.
        int lastVolatile = new[] { $"{web}/metadata/pod.json", $"{web}/logs/app/sidecar.previous.log", $"{cache}/metadata/pod.json", $"{cache}/logs/app/cache.previous.log" }.Max(Index);
        int cluster = Index("runtimes/kubernetes/metadata/version.json");
        Assert.True(lastVolatile < cluster);
        Assert.True(cluster < Index($"{web}/metadata/owners/2-deployment-{_scenario.DeploymentName}.json"));
        Index("runtimes/kubernetes/metadata/identity/selfsubjectreview.json");
        Index($"runtimes/kubernetes/metadata/identity/rules/{_scenario.Namespace}.json");
        Index($"runtimes/kubernetes/metadata/cluster-admin-bindings/{_scenario.ClusterAdminBindingName}.json");
        Index($"{web}/metadata/secrets/{_scenario.SecretName}.json");
        Index($"{web}/metadata/rbac/grants.json");
        Assert.Equal(Encoding.UTF8.GetBytes(_cluster.Find("v1", "Pod", _scenario.Namespace, _scenario.PodName)!), await ArchiveTools.ReadMemberAsync(archive, $"{web}/metadata/pod.json"));
        // The Secret's value is nowhere in the archive, in any form the server sent it.
        byte[] whole = await File.ReadAllBytesAsync(archive);
        foreach (string form in (string[])["s3cr3t+/=", Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cr3t+/="))])
        {
            Assert.True(whole.AsSpan().IndexOf(Encoding.UTF8.GetBytes(form)) < 0, $"the secret's value ({form}) is in the archive");
        }
        var acquisition = await ArchiveTools.ReadJsonMemberAsync(archive, "acquisition/acquisition.json");
        var kubernetes = Assert.Single(acquisition.GetProperty("runtimes").EnumerateArray(), r => r.GetProperty("name").GetString() == "kubernetes");
        Assert.Equal("remote", kubernetes.GetProperty("locality").GetString());
        Assert.Equal(_scenario.Namespace, kubernetes.GetProperty("namespaces").GetString());
        Assert.StartsWith("user kubernetes-admin", kubernetes.GetProperty("identity").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_forbidden_resource_makes_the_run_partial_and_names_the_identity_and_the_rest_is_collected()
    {
        _cluster.Faults.Forbid("secrets", _scenario.Namespace);

        var (result, archive) = await CollectAsync(_scenario.Namespace + "/" + _scenario.PodName);

        Assert.True(result.ExitCode == (int)ExitCode.Partial, result.Describe());
        var manifest = await ArchiveTools.ReadJsonLinesAsync(archive, "manifest/manifest.jsonl");
        string web = PodFolder(_scenario.PodName, _scenario.PodUid);
        var secret = Assert.Single(manifest, m => m.GetProperty("path").GetString() == $"{web}/metadata/secrets/{_scenario.SecretName}.json");
        Assert.Equal("failed", secret.GetProperty("status").GetString());
        Assert.Contains("forbidden to user kubernetes-admin", secret.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains(manifest, m => m.GetProperty("path").GetString() == $"{web}/metadata/configmaps/{_scenario.ConfigMapName}.json" && m.GetProperty("status").GetString() == "collected");
        // NS/POD selected that pod alone.
        Assert.DoesNotContain(manifest, m => m.GetProperty("path").GetString()!.Contains(_scenario.CrashLoopPodName, StringComparison.Ordinal));
    }
}
