using Microsoft.AspNetCore.Http;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Kubernetes.Fixtures;

namespace ContainerForensics.Kubernetes.Tests;

/// <summary>The cluster's evidence (the runtime's engine evidence) against the stand-in with the incident scenario.</summary>
public sealed class ClusterEvidenceTests
{
    private static async Task<(StandInRig Rig, IncidentScenario Scenario)> StartAsync()
    {
        IncidentScenario? scenario = null;
        var rig = await StandInRig.StartAsync(c => scenario = IncidentScenario.Fill(c));
        return (rig, scenario!);
    }

    private static async Task<RecordingSink> CollectAsync(KubernetesRuntime runtime)
    {
        // The runner tells the runtime which pods it collects before the engine evidence is taken.
        runtime.PhaseStarting(CollectionPhase.Volatile, await runtime.ListContainersAsync(CancellationToken.None), CancellationToken.None);
        var sink = new RecordingSink();
        await runtime.CollectEngineAsync(sink, new CollectionOptions(), CancellationToken.None).WaitAsync(StandInRig.Budget);
        return sink;
    }

    [Fact]
    public async Task The_cluster_is_taken_with_who_cfir_was_and_what_it_could_do_in_each_namespace_collected()
    {
        var (rig, s) = await StartAsync();
        await using var _ = rig;
        var sink = await CollectAsync(await rig.ConnectAsync());

        Assert.Equal("v1.32.4", sink["version.json"].Json.GetProperty("gitVersion").GetString());
        Assert.Equal("kubernetes-admin", sink["identity/selfsubjectreview.json"].Json.GetProperty("status").GetProperty("userInfo").GetProperty("username").GetString());
        Assert.Equal(["identity/rules/shop.json"], sink.Under("identity/rules/").Select(i => i.Item.Name));
        Assert.Contains(s.NodeName, sink["nodes.json"].Text, StringComparison.Ordinal);
        Assert.Contains("pod-security.kubernetes.io/enforce", sink["namespaces.json"].Text, StringComparison.Ordinal);
        Assert.Contains(s.WebhookConfigurationName, sink["webhooks/mutating.json"].Text, StringComparison.Ordinal);
        Assert.Equal(EntryStatus.Collected, sink["webhooks/validating.json"].Status);
        // Only the bindings to cluster-admin, each as its list item's bytes.
        var admin = Assert.Single(sink.Under("cluster-admin-bindings/"));
        Assert.Equal($"cluster-admin-bindings/{s.ClusterAdminBindingName}.json", admin.Item.Name);
        Assert.Equal("cluster-admin", admin.Json.GetProperty("roleRef").GetProperty("name").GetString());
        var crd = Assert.Single(sink["crds.json"].Json.EnumerateArray());
        Assert.Equal(s.CustomResourceDefinitionName, crd.GetProperty("name").GetString());
        Assert.StartsWith("derived by cfir", sink["crds.json"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.Empty(sink.ErrorTexts);
    }

    [Fact]
    public async Task A_forbidden_list_is_a_failed_entry_naming_the_identity_and_the_rest_is_taken()
    {
        var (rig, _) = await StartAsync();
        await using var __ = rig;
        rig.Cluster.Faults.Forbid("nodes");
        var sink = await CollectAsync(await rig.ConnectAsync());

        var nodes = sink["nodes.json"];
        Assert.Equal(EntryStatus.Failed, nodes.Status);
        Assert.Contains("forbidden to user kubernetes-admin", nodes.Reason, StringComparison.Ordinal);
        Assert.Contains("nodes", nodes.Reason, StringComparison.Ordinal);
        Assert.Equal(EntryStatus.Collected, sink["namespaces.json"].Status);
        Assert.Equal(EntryStatus.Collected, sink["crds.json"].Status);
    }

    [Fact]
    public async Task A_server_without_SelfSubjectReview_leaves_the_identity_unknown_and_says_so()
    {
        var (rig, _) = await StartAsync();
        await using var __ = rig;
        rig.Server.Hook = async context =>
        {
            if (context.Request.Path.Value!.StartsWith("/apis/authentication.k8s.io/", StringComparison.Ordinal))
            {
                context.Response.StatusCode = 404;
                await context.Response.WriteAsync("""{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}""");
                return true;
            }
            return false;
        };
        var runtime = await rig.ConnectAsync();
        var sink = await CollectAsync(runtime);

        Assert.StartsWith("unknown (SelfSubjectReview failed", runtime.Descriptor.Details["identity"], StringComparison.Ordinal);
        var review = sink["identity/selfsubjectreview.json"];
        Assert.Equal(EntryStatus.Absent, review.Status);
        Assert.Contains("Kubernetes 1.28", review.Reason, StringComparison.Ordinal);
    }
}
