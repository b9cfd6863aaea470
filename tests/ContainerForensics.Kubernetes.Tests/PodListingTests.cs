using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>Listing pods: in pages, every pod once even when a continue token expires, only the namespaces asked for.</summary>
public sealed class PodListingTests
{
    private static void Pods(TestSupport.Kubernetes.StandInCluster cluster, string ns, int count)
    {
        cluster.Add(K8sFixtures.Namespace(ns, K8sFixtures.Uuid("ns/" + ns)));
        for (int i = 0; i < count; i++)
        {
            string name = $"p-{i:D4}";
            cluster.Add(K8sFixtures.Pod(new PodFixture(ns, name, K8sFixtures.Uuid($"{ns}/{name}")) { Labels = new Dictionary<string, string> { ["i"] = $"{i}" } }));
        }
    }

    [Fact]
    public async Task Every_pod_of_every_namespace_is_listed_once_in_pages()
    {
        await using var rig = await StandInRig.StartAsync(c => { Pods(c, "a", 400); Pods(c, "b", 200); });
        var runtime = await rig.ConnectAsync();

        var pods = await runtime.ListContainersAsync(CancellationToken.None);

        Assert.Equal(600, pods.Select(p => p.Id).Distinct().Count());
        Assert.All(pods, p => Assert.True(p.PodMembership is { IsWholePod: true } && p.State == "running" && p.Runtime == "kubernetes"));
        var lists = rig.Server.Requests.Where(r => r.Path == "/api/v1/pods").ToList();
        Assert.Equal(3, lists.Count); // 250 + 250 + 100
        Assert.All(lists, r => Assert.Equal("250", r.Query("limit")));
    }

    [Fact]
    public async Task An_expired_continue_token_restarts_the_listing_and_no_pod_is_listed_twice()
    {
        await using var rig = await StandInRig.StartAsync(c => Pods(c, "a", 600));
        rig.Cluster.Faults.ExpireContinue("pods");
        var runtime = await rig.ConnectAsync();

        var pods = await runtime.ListContainersAsync(CancellationToken.None);

        Assert.Equal(600, pods.Count);
        Assert.Equal(600, pods.Select(p => p.Id).Distinct().Count());
        Assert.Contains(rig.Server.Requests, r => r.Path == "/api/v1/pods" && r.StatusCode == 410);
    }

    [Fact]
    public async Task Only_the_namespaces_given_with_n_are_listed()
    {
        await using var rig = await StandInRig.StartAsync(c => { Pods(c, "a", 3); Pods(c, "b", 2); Pods(c, "c", 1); });
        var runtime = await rig.ConnectAsync(namespaces: ["b", "c"]);

        var pods = await runtime.ListContainersAsync(CancellationToken.None);

        Assert.Equal(["b/p-0000", "b/p-0001", "c/p-0000"], pods.Select(p => p.PodMembership!.DisplayName).Order(StringComparer.Ordinal));
        Assert.DoesNotContain(rig.Server.Requests, r => r.Path == "/api/v1/pods");
    }
}
