using ContainerForensics.Core.Evidence;
using ContainerForensics.Kubernetes.Api;
using static ContainerForensics.Kubernetes.Tests.PodContextFixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>The run's shared lists when they take several pages and the server expires their snapshot.</summary>
public sealed class PodContextListTests
{
    [Fact]
    public async Task AListRestartedAfter410KeepsEachBindingOnce()
    {
        await using var rig = await StandInRig.StartAsync(c =>
        {
            Shop(c);
            // More than a page of bindings that name some service account, then the one of the pod's.
            for (int i = 0; i < PagedList.PageSize + 10; i++)
            {
                c.Add(Obj("rbac.authorization.k8s.io/v1", "RoleBinding", Ns, $"filler-{i:D4}", $"rb-f{i:D4}",
                    ""","roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"secret-reader"},"subjects":[{"kind":"ServiceAccount","name":"other"}]"""));
            }
        });
        rig.Cluster.Faults.ExpireContinue("rolebindings");
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.Equal(EntryStatus.Collected, sink["rbac/rolebindings/shop/web-reads-secrets.json"].Status);
        Assert.Equal(2, sink.Under("rbac/rolebindings/").Count);
        Assert.Equal(3, sink["rbac/grants.json"].Json.GetProperty("grants").GetArrayLength());
        // The first page, its continuation (410), then the list again from its start: two pages.
        Assert.Equal(4, rig.Server.Requests.Count(r => r.Path == "/apis/rbac.authorization.k8s.io/v1/rolebindings"));
    }
}
