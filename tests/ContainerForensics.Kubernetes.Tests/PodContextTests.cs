using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using static ContainerForensics.Kubernetes.Tests.PodContextFixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>The Metadata phase of a pod against the stand-in API server: what is collected, under which names, and what is absent.</summary>
public sealed class PodContextTests
{
    [Fact]
    public async Task ShopPodContextHasEveryPieceUnderItsName()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.Empty(sink.ErrorTexts);
        foreach (string name in (string[])["events/core.json", "events/events.k8s.io.json", "owners/1-replicaset-web-7d9f.json", "owners/2-deployment-web.json",
            "node.json", "serviceaccount.json", "configmaps/web-config.json", "configmaps/kube-root-ca.crt.json", "secrets/db-credentials.json", "secrets/regcred.json",
            "pvcs/data.json", "pvs/pv-data.json", "services/web.json", "services/web.endpointslices.json", "networkpolicies/default-deny.json",
            "networkpolicies/web-ingress.json", "rbac/grants.json"])
        {
            Assert.Equal(EntryStatus.Collected, sink[name].Status);
            Assert.All(sink.Items, i => Assert.Equal(EvidenceSection.Metadata, i.Item.Section));
        }
        // Only what concerns this pod: not the db Service or its slices, not another pod's event (the namespace's policies are all kept).
        Assert.DoesNotContain(sink.Names, n => n!.Contains("db", StringComparison.Ordinal) && !n.Contains("db-credentials", StringComparison.Ordinal) && !n.StartsWith("networkpolicies/", StringComparison.Ordinal));
        Assert.Single(sink["events/core.json"].Json.GetProperty("items").EnumerateArray());
        Assert.Equal("started container web", sink["events/events.k8s.io.json"].Json.GetProperty("items")[0].GetProperty("note").GetString());
        Assert.Equal("web-x1", Assert.Single(sink["services/web.endpointslices.json"].Json.GetProperty("items").EnumerateArray()).GetProperty("metadata").GetProperty("name").GetString());
        // The pod is not stored again: the Volatile phase holds pod.json.
        Assert.False(sink.Has("pod.json"));
    }

    [Fact]
    public async Task OwnerChainFollowsReplicaSetToDeploymentAndKeepsTheServersBytes()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.Equal(["owners/1-replicaset-web-7d9f.json", "owners/2-deployment-web.json"], sink.Under("owners/").Select(i => i.Item.Name));
        // A field no typed model knows and a time with nanoseconds: the server's bytes, not a model re-serialized.
        Assert.Equal(Encoding.UTF8.GetBytes(Deployment), sink["owners/2-deployment-web.json"].Content);
        Assert.Contains("named by ReplicaSet web-7d9f as its controller", sink["owners/2-deployment-web.json"].Item.Source!.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OwnerChainFollowsJobToCronJob()
    {
        await using var rig = await StandInRig.StartAsync(c => c.AddRange(
        [
            Obj("batch/v1", "CronJob", Ns, "backup", "cj-0001", ""","spec":{"schedule":"0 3 * * *"}"""),
            Obj("batch/v1", "Job", Ns, "backup-29000000", "job-0001", ""","spec":{}""", Owner("batch/v1", "CronJob", "backup", "cj-0001")),
            Pod("backup-29000000-xk2p", "pod-0002", Owner("batch/v1", "Job", "backup-29000000", "job-0001"), spec: """{"containers":[{"name":"backup","image":"alpine"}]}"""),
        ]));
        var sink = await rig.CollectAsync(Ns, "backup-29000000-xk2p");

        Assert.Equal(EntryStatus.Collected, sink["owners/1-job-backup-29000000.json"].Status);
        Assert.Equal("backup", sink["owners/2-cronjob-backup.json"].Json.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal(2, sink.Under("owners/").Count);
        // Not scheduled, no Service, no policy: each looked for and recorded as absent, not failed.
        Assert.Equal(EntryStatus.Absent, sink["node.json"].Status);
        Assert.Equal(EntryStatus.Absent, sink["serviceaccount.json"].Status); // "default" was never created here
        Assert.Contains("shop/default", sink["serviceaccount.json"].Reason, StringComparison.Ordinal);
        Assert.Equal(EntryStatus.Absent, sink["services.json"].Status);
        Assert.Equal(EntryStatus.Absent, sink["networkpolicies.json"].Status);
    }

    [Fact]
    public async Task OwnersOfACustomKindAreFoundThroughDiscovery()
    {
        const string Crd = """
            {"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"rollouts.argoproj.io","uid":"crd-0001"},
             "spec":{"group":"argoproj.io","scope":"Namespaced","names":{"plural":"rollouts","singular":"rollout","kind":"Rollout"},
                     "versions":[{"name":"v1alpha1","served":true,"storage":true}]}}
            """;
        await using var rig = await StandInRig.StartAsync(c => c.AddRange(
        [
            Crd,
            Obj("argoproj.io/v1alpha1", "Rollout", Ns, "canary", "ro-0001", ""","spec":{"strategy":{"canary":{}}}"""),
            Obj("apps/v1", "ReplicaSet", Ns, "canary-5c8", "rs-0002", "", Owner("argoproj.io/v1alpha1", "Rollout", "canary", "ro-0001")),
            Pod("canary-5c8-q", "pod-0003", Owner("apps/v1", "ReplicaSet", "canary-5c8", "rs-0002"), spec: """{"containers":[{"name":"c","image":"alpine"}]}"""),
        ]));
        var sink = await rig.CollectAsync(Ns, "canary-5c8-q");

        Assert.Equal("canary", sink["owners/2-rollout-canary.json"].Json.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Contains(rig.Server.Requests, r => r.Path == "/apis/argoproj.io/v1alpha1/namespaces/shop/rollouts/canary");
    }

    [Fact]
    public async Task OwnerCycleAndUnknownKindEndWithSkippedEntries()
    {
        await using var rig = await StandInRig.StartAsync(c => c.AddRange(
        [
            Obj("apps/v1", "ReplicaSet", Ns, "loop-a", "rs-a", "", Owner("apps/v1", "ReplicaSet", "loop-b", "rs-b")),
            Obj("apps/v1", "ReplicaSet", Ns, "loop-b", "rs-b", "", Owner("apps/v1", "ReplicaSet", "loop-a", "rs-a")),
            Pod("looped", "pod-0004", Owner("apps/v1", "ReplicaSet", "loop-a", "rs-a"), spec: """{"containers":[{"name":"c","image":"alpine"}]}"""),
            Pod("widgeted", "pod-0005", Owner("example.com/v1", "Widget", "w1", "w-0001"), spec: """{"containers":[{"name":"c","image":"alpine"}]}"""),
        ]));
        var runtime = await rig.ConnectAsync();
        var looped = await StandInRig.CollectAsync(runtime, await StandInRig.PodAsync(runtime, Ns, "looped"));

        Assert.Equal(["owners/1-replicaset-loop-a.json", "owners/2-replicaset-loop-b.json", "owners/3-replicaset-loop-a.json"], looped.Under("owners/").Select(i => i.Item.Name));
        var again = looped["owners/3-replicaset-loop-a.json"];
        Assert.Equal(EntryStatus.Skipped, again.Status);
        Assert.Contains("already collected as owners/1-replicaset-loop-a.json", again.Reason, StringComparison.Ordinal);

        var widgeted = await StandInRig.CollectAsync(runtime, await StandInRig.PodAsync(runtime, Ns, "widgeted"));
        var widget = widgeted["owners/1-widget-w1.json"];
        Assert.Equal(EntryStatus.Skipped, widget.Status);
        Assert.Contains("example.com/v1", widget.Reason, StringComparison.Ordinal);
        Assert.Empty(widgeted.ErrorTexts);
    }

    [Fact]
    public async Task ConfigMapsAreStoredWholeAndAMissingOneIsAbsentWithWhoNamesIt()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.Equal(Encoding.UTF8.GetBytes(rig.Cluster.Find("v1", "ConfigMap", Ns, "web-config")!), sink["configmaps/web-config.json"].Content);
        var missing = sink["configmaps/missing-config.json"];
        Assert.Equal(EntryStatus.Absent, missing.Status);
        Assert.Contains("envFrom of init container init", missing.Reason, StringComparison.Ordinal);
        Assert.Contains("optional", missing.Reason, StringComparison.Ordinal);
        // Named twice by the pod (env and volume), read once.
        Assert.Single(rig.Server.Requests, r => r.Path == "/api/v1/namespaces/shop/configmaps/web-config");
    }

    [Fact]
    public async Task EveryNetworkPolicyOfTheNamespaceIsStoredSayingWhetherItSelectsThePod()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.Equal(["networkpolicies/db-only.json", "networkpolicies/default-deny.json", "networkpolicies/web-ingress.json"],
            sink.Under("networkpolicies/").Select(i => i.Item.Name).Order(StringComparer.Ordinal));
        Assert.Equal("web-ingress", sink["networkpolicies/web-ingress.json"].Json.GetProperty("metadata").GetProperty("name").GetString());
        Assert.EndsWith("its podSelector selects the pod", sink["networkpolicies/web-ingress.json"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.EndsWith("its podSelector selects the pod", sink["networkpolicies/default-deny.json"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.EndsWith("its podSelector does not select the pod", sink["networkpolicies/db-only.json"].Item.Source!.Description, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APodGoneSinceTheListIsAVanishedContainer()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var runtime = await rig.ConnectAsync();
        var pod = await StandInRig.PodAsync(runtime, Ns, WebPod);
        Assert.True(rig.Cluster.Remove("v1", "Pod", Ns, WebPod));
        await Assert.ThrowsAsync<Core.Runtimes.ContainerGoneException>(() => StandInRig.CollectAsync(runtime, pod));

        // Another pod of the same name: not the listed one.
        rig.Cluster.Add(Pod(WebPod, "pod-other", ""));
        var ex = await Assert.ThrowsAsync<Core.Runtimes.ContainerGoneException>(() => StandInRig.CollectAsync(runtime, pod));
        Assert.Contains("pod-other", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForbiddenListsAreFailedEntriesAndTheRestIsCollected()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        rig.Cluster.Faults.Forbid("networkpolicies", Ns);
        rig.Cluster.Faults.Forbid("events");
        var sink = await rig.CollectAsync(Ns, WebPod);

        foreach (string name in (string[])["networkpolicies.json", "events/core.json", "events/events.k8s.io.json"])
        {
            Assert.Equal(EntryStatus.Failed, sink[name].Status);
            Assert.Contains("kubernetes-admin", sink[name].Reason, StringComparison.Ordinal);
        }
        Assert.Equal(EntryStatus.Collected, sink["services/web.json"].Status);
        Assert.Equal(EntryStatus.Collected, sink["owners/2-deployment-web.json"].Status);
        using var _ = JsonDocument.Parse(sink["rbac/grants.json"].Content);
    }
}
