using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>The shared incident scenario (<see cref="IncidentScenario"/>) collected whole by the real runner: the pods' contexts as an investigator would open them.</summary>
public sealed class PodContextIncidentTests
{
    private const string WebDbPassword = "s3cr3t+/=";

    [Fact]
    public async Task TheIncidentsPodContextsShowTheClusterAdminGrantTheOwnersAndNoSecretValue()
    {
        IncidentScenario? scenario = null;
        await using var rig = await StandInRig.StartAsync(c => scenario = IncidentScenario.Fill(c));
        var s = scenario!;
        var runtime = await rig.ConnectAsync();
        var archive = new RecordingArchiveWriter();
        await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None)
            .RunAsync([runtime], new CollectionOptions { Filesystem = FilesystemMode.None, Parallelism = 4 }, archive, CancellationToken.None).WaitAsync(StandInRig.Budget);

        var web = Context(archive, s.Namespace, s.PodName, s.PodUid);
        var grants = JsonDocument.Parse(web["rbac/grants.json"].Bytes!).RootElement.GetProperty("grants").EnumerateArray()
            .ToDictionary(g => g.GetProperty("binding").GetProperty("name").GetString()!, g => g.GetProperty("role"), StringComparer.Ordinal);
        Assert.Equal(["web-config-reader", "web-node-reader", s.ClusterAdminBindingName], grants.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("cluster-admin", grants[s.ClusterAdminBindingName].GetProperty("name").GetString());
        Assert.Equal("*", grants[s.ClusterAdminBindingName].GetProperty("rules")[0].GetProperty("verbs")[0].GetString());
        Assert.True(web.ContainsKey($"owners/1-replicaset-{s.ReplicaSetName}.json"));
        Assert.True(web.ContainsKey($"owners/2-deployment-{s.DeploymentName}.json"));
        Assert.True(web.ContainsKey($"pvs/{s.VolumeName}.json"));
        Assert.True(web.ContainsKey("services/web.endpointslices.json"));
        Assert.True(web.ContainsKey("networkpolicies/web-allow-frontend.json"));
        Assert.Equal("3ad3dbb33d0b52a4e1b700be2035cf76ebe5da6b707cc55ffff1813d2c365025",
            JsonDocument.Parse(web[$"secrets/{s.SecretName}.json"].Bytes!).RootElement.GetProperty("data").GetProperty("password").GetProperty("sha256").GetString());
        // Not created in the scenario, and the projected volume names it: looked for, absent, not a failure.
        Assert.Equal(EntryStatus.Absent, web["configmaps/kube-root-ca.crt.json"].Status);

        var cache = Context(archive, s.Namespace, s.CrashLoopPodName, s.CrashLoopPodUid);
        Assert.True(cache.ContainsKey("owners/1-statefulset-cache.json"));
        Assert.Contains("does not select the pod", cache["networkpolicies/web-allow-frontend.json"].Entry.Source!.Description, StringComparison.Ordinal);

        Assert.DoesNotContain(archive.Entries, e => e.Entry.Path.Value.Contains("/api/", StringComparison.Ordinal) && e.Status is EntryStatus.Failed or EntryStatus.Missing or EntryStatus.Partial);
        foreach (string form in (string[])[WebDbPassword, Convert.ToBase64String(Encoding.UTF8.GetBytes(WebDbPassword))])
        {
            byte[] bytes = Encoding.UTF8.GetBytes(form);
            Assert.All(archive.Entries, e => Assert.True((e.Bytes ?? []).AsSpan().IndexOf(bytes) < 0, $"{e.Entry.Path.Value} holds the password"));
        }
    }

    /// <summary>A pod's Metadata-section entries by their name inside it.</summary>
    private static Dictionary<string, RecordingArchiveWriter.Recorded> Context(RecordingArchiveWriter archive, string ns, string pod, string uid)
    {
        string folder = $"containers/kubernetes/{ns}/pods/{ns}_{pod}_{uid}/api/metadata/";
        var found = archive.Entries.Where(e => e.Entry.Path.Value.StartsWith(folder, StringComparison.Ordinal))
            .ToDictionary(e => e.Entry.Path.Value[folder.Length..], StringComparer.Ordinal);
        Assert.True(found.ContainsKey("rbac/grants.json"));
        return found;
    }
}
