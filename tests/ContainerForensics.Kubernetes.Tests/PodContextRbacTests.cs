using System.Text;
using ContainerForensics.Core.Evidence;
using static ContainerForensics.Kubernetes.Tests.PodContextFixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>What RBAC grants a pod's service account, as cfir finds, stores and summarizes it.</summary>
public sealed class PodContextRbacTests
{
    [Fact]
    public async Task BindingsToTheAccountItsUserNameAndItsGroupsAreStoredWithTheirRoles()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.Equal(
            ["rbac/clusterrolebindings/sa-view-nodes.json", "rbac/clusterroles/edit.json", "rbac/clusterroles/node-viewer.json", "rbac/grants.json",
             "rbac/rolebindings/other/grant-shop-web.json", "rbac/rolebindings/shop/web-reads-secrets.json", "rbac/roles/shop/secret-reader.json"],
            sink.Under("rbac/").Select(i => i.Item.Name).Order(StringComparer.Ordinal));
        // Each binding is its list item, byte for byte; each role the server's object.
        Assert.Equal(Encoding.UTF8.GetBytes(rig.Cluster.Find("rbac.authorization.k8s.io/v1", "ClusterRoleBinding", null, "sa-view-nodes")!), sink["rbac/clusterrolebindings/sa-view-nodes.json"].Content);
        Assert.Equal(Encoding.UTF8.GetBytes(rig.Cluster.Find("rbac.authorization.k8s.io/v1", "RoleBinding", Ns, "web-reads-secrets")!), sink["rbac/rolebindings/shop/web-reads-secrets.json"].Content);
        Assert.Equal(Encoding.UTF8.GetBytes(rig.Cluster.Find("rbac.authorization.k8s.io/v1", "Role", Ns, "secret-reader")!), sink["rbac/roles/shop/secret-reader.json"].Content);
        // The ClusterRole a binding names does not exist: absent, and the binding said to grant nothing.
        Assert.Equal(EntryStatus.Absent, sink["rbac/clusterroles/edit.json"].Status);
        Assert.Contains("grant-shop-web", sink["rbac/clusterroles/edit.json"].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GrantsSummaryJoinsBindingRoleAndRulesAndSaysCfirWroteIt()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        var sink = await rig.CollectAsync(Ns, WebPod);

        var grants = sink["rbac/grants.json"];
        Assert.StartsWith("derived by cfir", grants.Item.Source!.Description, StringComparison.Ordinal);
        var doc = grants.Json;
        Assert.Equal("cfir", doc.GetProperty("derivedBy").GetString());
        Assert.Equal("system:serviceaccount:shop:web", doc.GetProperty("serviceAccount").GetProperty("user").GetString());
        var byBinding = doc.GetProperty("grants").EnumerateArray().ToDictionary(g => g.GetProperty("binding").GetProperty("name").GetString()!, StringComparer.Ordinal);
        Assert.Equal(["grant-shop-web", "sa-view-nodes", "web-reads-secrets"], byBinding.Keys.Order(StringComparer.Ordinal));

        var viaGroup = byBinding["sa-view-nodes"];
        Assert.Equal("cluster", viaGroup.GetProperty("scope").GetString());
        Assert.Equal("system:serviceaccounts", viaGroup.GetProperty("subjects")[0].GetProperty("name").GetString());
        Assert.Equal("nodes", viaGroup.GetProperty("role").GetProperty("rules")[0].GetProperty("resources")[0].GetString());

        var viaAccount = byBinding["web-reads-secrets"];
        Assert.Equal("namespace shop", viaAccount.GetProperty("scope").GetString());
        Assert.Equal("ServiceAccount", viaAccount.GetProperty("subjects")[0].GetProperty("kind").GetString());
        Assert.Equal(["get", "list"], viaAccount.GetProperty("role").GetProperty("rules")[0].GetProperty("verbs").EnumerateArray().Select(v => v.GetString()));

        var viaUser = byBinding["grant-shop-web"];
        Assert.Equal("namespace other", viaUser.GetProperty("scope").GetString());
        Assert.Contains("not found", viaUser.GetProperty("role").GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, doc.GetProperty("incomplete").GetArrayLength());
    }

    [Fact]
    public async Task WithoutClusterWideRoleBindingsThePodsNamespaceIsReadAndTheGapIsSaid()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        // A list across every namespace is refused when one namespace is.
        rig.Cluster.Faults.Forbid("rolebindings", "other");
        var sink = await rig.CollectAsync(Ns, WebPod);

        Assert.True(sink.Has("rbac/rolebindings/shop/web-reads-secrets.json"));
        Assert.False(sink.Has("rbac/rolebindings/other/grant-shop-web.json"));
        Assert.False(sink.Has("rbac/rolebindings.json"));
        var incomplete = Assert.Single(sink["rbac/grants.json"].Json.GetProperty("incomplete").EnumerateArray()).GetString();
        Assert.Contains("outside namespace shop were not read", incomplete, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AForbiddenClusterRoleBindingListIsAFailedEntryNamingTheIdentity()
    {
        await using var rig = await StandInRig.StartAsync(Shop);
        rig.Cluster.Faults.Forbid("clusterrolebindings");
        var sink = await rig.CollectAsync(Ns, WebPod);

        var failed = sink["rbac/clusterrolebindings.json"];
        Assert.Equal(EntryStatus.Failed, failed.Status);
        Assert.Contains("forbidden to", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("kubernetes-admin", failed.Reason, StringComparison.Ordinal);
        Assert.Contains("clusterrolebindings", failed.Reason, StringComparison.Ordinal);
        Assert.True(sink.Has("rbac/rolebindings/shop/web-reads-secrets.json"));
        Assert.Single(sink["rbac/grants.json"].Json.GetProperty("incomplete").EnumerateArray());
    }
}
