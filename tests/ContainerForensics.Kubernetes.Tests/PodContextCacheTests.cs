using ContainerForensics.Core.Collection;
using ContainerForensics.TestSupport;
using Xunit.Abstractions;
using static ContainerForensics.Kubernetes.Tests.PodContextFixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>
/// The API calls a pod's context costs: what every pod of a namespace shares (bindings, roles,
/// Services, NetworkPolicies) is read once per run, however many pods and however many at once,
/// so the calls grow per pod by what is the pod's own.
/// </summary>
public sealed class PodContextCacheTests(ITestOutputHelper output)
{
    private const int Pods = 20;

    /// <summary>Read once per run: the shared lists and the roles they grant.</summary>
    private static readonly string[] Shared =
    [
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles/secret-reader",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/node-viewer",
        "/apis/rbac.authorization.k8s.io/v1/clusterroles/edit",
        "/api/v1/namespaces/shop/services",
        "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies",
    ];

    [Fact]
    public async Task CallsGrowPerPodByAConstantAndSharedListsAreReadOncePerRun()
    {
        await using var rig = await StandInRig.StartAsync(c =>
        {
            Shop(c);
            for (int i = 1; i < Pods; i++)
            {
                c.Add(Pod($"web-7d9f-{i:D5}", $"pod-1{i:D4}", Owner("apps/v1", "ReplicaSet", "web-7d9f", "rs-0001")));
            }
        });

        var (one, oneShared) = await RunAsync(rig, 1);
        var (all, allShared) = await RunAsync(rig, Pods);
        int perPod = one - oneShared;
        output.WriteLine($"1 pod: {one} calls ({oneShared} shared); {Pods} pods, 4 at once: {all} calls ({allShared} shared); {perPod} per pod");

        Assert.Equal(Shared.Length, oneShared);
        Assert.Equal(Shared.Length, allShared);
        Assert.Equal(oneShared + Pods * perPod, all);
        Assert.True(perPod <= 15, $"{perPod} calls per pod");
    }

    /// <summary>The Metadata phase of the first <paramref name="pods"/> pods of shop, 4 at once as --parallel 4 runs them, in a new run (a runtime of its own); the calls it cost and how many of them were to shared paths.</summary>
    private static async Task<(int Calls, int Shared)> RunAsync(StandInRig rig, int pods)
    {
        var runtime = await rig.ConnectAsync();
        var selected = (await runtime.ListContainersAsync(CancellationToken.None)).Where(p => p.PodMembership?.Namespace == Ns).Take(pods).ToList();
        Assert.Equal(pods, selected.Count);
        int before = rig.Server.Requests.Count;
        await Parallel.ForEachAsync(selected, new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (pod, ct) =>
        {
            var sink = new RecordingSink();
            await runtime.CollectContainerAsync(pod, CollectionPhase.Metadata, sink, new CollectionOptions(), ct);
            Assert.Empty(sink.ErrorTexts);
            Assert.True(sink.Has("rbac/rolebindings/shop/web-reads-secrets.json"));
        }).WaitAsync(StandInRig.Budget);
        var calls = rig.Server.Requests.Skip(before).ToList();
        foreach (string path in Shared)
        {
            Assert.Single(calls, r => r.Path == path);
        }
        return (calls.Count, calls.Count(r => Shared.Contains(r.Path)));
    }
}
