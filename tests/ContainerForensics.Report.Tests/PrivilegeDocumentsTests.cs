using System.Text.Json;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>
/// Privileges read from a containerd container's OCI spec (fixtures: the specs containerd 1.6
/// stored for <c>ctr run --privileged --net-host --with-ns pid:/proc/1/ns/pid</c> with the Docker
/// socket bound, and for a plain <c>ctr run</c>) and from a Kubernetes pod's pod.json and
/// grants.json; the rules fire on them, and not on the clean ones.
/// </summary>
public sealed class PrivilegeDocumentsTests
{
    private const string Folder = "containers/containerd/default/x_0123456789ab";

    [Fact]
    public void A_privileged_host_namespace_spec_gives_the_privilege_findings_from_spec_json()
    {
        var c = FromSpec("containerd-spec-privileged.json");
        Assert.True(c.Privileged);
        Assert.Contains("CAP_SYS_ADMIN", c.CapAdd);
        Assert.True(c.HostPid);
        Assert.True(c.HostNetwork);
        Assert.False(c.HostIpc);
        Assert.True(c.SeccompAbsent);
        Assert.Equal(["/var/run/docker.sock"], c.HostMounts);
        Assert.True(c.RunsAsRoot);
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        foreach (string id in new[] { "CFIR-CTR-PRIVILEGED", "CFIR-CTR-DOCKER-SOCKET", "CFIR-CTR-HOST-NAMESPACES", "CFIR-CTR-ADDED-CAPS", "CFIR-CTR-NO-SECCOMP", "CFIR-CTR-ROOT" })
        {
            var f = Assert.Single(findings, x => x.Id == id);
            Assert.Equal(Folder + "/metadata/spec.json", Assert.Single(f.Evidence).Path);
        }
        Assert.Contains("PID, network", Assert.Single(findings, x => x.Id == "CFIR-CTR-HOST-NAMESPACES").Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void A_plain_ctr_spec_is_nothing_above_low()
    {
        var c = FromSpec("containerd-spec-clean.json");
        Assert.False(c.Privileged);
        Assert.Empty(c.CapAdd);
        Assert.False(c.HostPid || c.HostNetwork || c.HostIpc);
        Assert.Empty(c.HostMounts);
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        Assert.All(findings, f => Assert.True(f.Severity <= Severity.Low, $"{f.Id}: {f.Detail}"));
        Assert.Contains(findings, f => f.Id == "CFIR-CTR-NO-SECCOMP");
    }

    [Fact]
    public void A_spec_without_linux_claims_no_host_namespace()
    {
        var c = new ContainerSummary("containerd", Folder);
        using var doc = JsonDocument.Parse("""{"process":{"user":{"uid":1000}}}""");
        OciSpecDocument.FromSpec(doc.RootElement, c);
        Assert.False(c.HostPid || c.HostNetwork || c.HostIpc || c.SeccompAbsent || c.RunsAsRoot);
    }

    private const string PodFolder = "containers/kubernetes/shop/pods/shop_agent_1234";

    private const string Pod = """
        {"metadata":{"name":"agent","uid":"1234"},"status":{"phase":"Running"},
         "spec":{"serviceAccountName":"agent","hostPID":true,
           "volumes":[{"name":"root","hostPath":{"path":"/"}},{"name":"db","secret":{"secretName":"web-db"}},
                      {"name":"kube-api-access-x","projected":{"sources":[{"serviceAccountToken":{"path":"token"}},{"secret":{"name":"extra"}}]}}],
           "containers":[{"name":"a","image":"agent:1","securityContext":{"privileged":true,"capabilities":{"add":["SYS_PTRACE"]}}}]}}
        """;

    private const string CleanPod = """
        {"metadata":{"name":"web","uid":"5678"},
         "spec":{"securityContext":{"runAsUser":1000},
           "volumes":[{"name":"kube-api-access-y","projected":{"sources":[{"serviceAccountToken":{"path":"token"}},{"configMap":{"name":"kube-root-ca.crt"}}]}},{"name":"tmp","emptyDir":{}}],
           "containers":[{"name":"web","image":"web:1"}]}}
        """;

    private const string AdminGrants = """
        {"derivedBy":"cfir","serviceAccount":{"namespace":"shop","name":"agent"},"grants":[
          {"binding":{"kind":"ClusterRoleBinding","name":"agent-admin","entry":"rbac/clusterrolebindings/agent-admin.json"},"scope":"cluster",
           "role":{"kind":"ClusterRole","name":"cluster-admin","entry":"rbac/clusterroles/cluster-admin.json","rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}},
          {"binding":{"kind":"RoleBinding","namespace":"shop","name":"god","entry":"rbac/rolebindings/shop/god.json"},"scope":"namespace shop",
           "role":{"kind":"Role","name":"everything","entry":"rbac/roles/shop/everything.json","rules":[{"apiGroups":["*"],"resources":["*"],"verbs":["*"]}]}}]}
        """;

    private const string ReaderGrants = """
        {"grants":[{"binding":{"kind":"ClusterRoleBinding","name":"r","entry":"rbac/clusterrolebindings/r.json"},"scope":"cluster",
          "role":{"kind":"ClusterRole","name":"node-reader","entry":"rbac/clusterroles/node-reader.json","rules":[{"apiGroups":[""],"resources":["*"],"verbs":["get"]},{"apiGroups":["*"],"resources":["nodes"],"verbs":["*"]}]}}]}
        """;

    [Fact]
    public void A_pod_bound_to_cluster_admin_with_host_paths_and_secrets_has_the_kubernetes_findings()
    {
        var c = FromPod(Pod, AdminGrants);
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        var admin = Assert.Single(findings, f => f.Id == "CFIR-K8S-CLUSTER-ADMIN");
        Assert.Equal(Severity.Critical, admin.Severity);
        Assert.Equal(
            [PodFolder + "/api/metadata/rbac/grants.json", PodFolder + "/api/metadata/rbac/clusterrolebindings/agent-admin.json", PodFolder + "/api/metadata/rbac/clusterroles/cluster-admin.json",
             PodFolder + "/api/metadata/rbac/rolebindings/shop/god.json", PodFolder + "/api/metadata/rbac/roles/shop/everything.json"],
            admin.Evidence.Select(e => e.Path));
        Assert.Contains("RoleBinding god (namespace shop) grants Role everything allows every verb", admin.Detail, StringComparison.Ordinal);
        var hostPath = Assert.Single(findings, f => f.Id == "CFIR-K8S-HOSTPATH");
        Assert.Equal([PodFolder + "/api/metadata/pod.json"], hostPath.Evidence.Select(e => e.Path));
        Assert.Contains("root = /", hostPath.Detail, StringComparison.Ordinal);
        var secrets = Assert.Single(findings, f => f.Id == "CFIR-K8S-SECRET-MOUNTED");
        Assert.Equal([PodFolder + "/api/metadata/pod.json", PodFolder + "/api/metadata/secrets/web-db.json"], secrets.Evidence.Select(e => e.Path));
        Assert.Contains("web-db (volume db), extra (volume kube-api-access-x)", secrets.Detail, StringComparison.Ordinal);
        // The pod's spec is its privileges: the container rules fire on it too, resting on pod.json.
        foreach (string id in new[] { "CFIR-CTR-PRIVILEGED", "CFIR-CTR-HOST-ROOT", "CFIR-CTR-HOST-NAMESPACES", "CFIR-CTR-ADDED-CAPS" })
        {
            Assert.Equal(PodFolder + "/api/metadata/pod.json", Assert.Single(Assert.Single(findings, f => f.Id == id).Evidence).Path);
        }
    }

    [Fact]
    public void A_pod_with_a_reader_role_its_token_and_an_emptydir_is_nothing_above_low_and_not_said_to_run_as_root()
    {
        var c = FromPod(CleanPod, ReaderGrants);
        Assert.Empty(c.Pod!.ClusterAdmin);
        Assert.False(c.RunsAsRoot);
        var findings = FindingsEngine.Evaluate(RuleSet.BuiltIn(), [c], _ => "00");
        Assert.Empty(findings);
        // No user in the spec: unknown, so no claim that it runs as root.
        var unknown = FromPod(CleanPod.Replace("\"securityContext\":{\"runAsUser\":1000},", "", StringComparison.Ordinal), ReaderGrants);
        Assert.True(unknown.UserUnknown);
        Assert.DoesNotContain(FindingsEngine.Evaluate(RuleSet.BuiltIn(), [unknown], _ => "00"), f => f.Id == "CFIR-CTR-ROOT");
    }

    private static ContainerSummary FromSpec(string fixture)
    {
        var c = new ContainerSummary("containerd", Folder) { InspectPath = Folder + "/metadata/spec.json" };
        using var doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", fixture)));
        OciSpecDocument.FromSpec(doc.RootElement, c);
        return c;
    }

    private static ContainerSummary FromPod(string pod, string grants)
    {
        var c = new ContainerSummary("kubernetes", PodFolder) { InspectPath = PodFolder + "/api/metadata/pod.json" };
        c.Pod = new KubernetesPod { PodPath = c.InspectPath, GrantsPath = PodFolder + "/api/metadata/rbac/grants.json" };
        c.Pod.SecretDigests["web-db"] = PodFolder + "/api/metadata/secrets/web-db.json";
        using (var doc = JsonDocument.Parse(pod))
        {
            PodDocuments.FromPod(doc.RootElement, c, c.Pod);
        }
        using (var doc = JsonDocument.Parse(grants))
        {
            PodDocuments.FromGrants(doc.RootElement, c.Pod, PodFolder + "/api/metadata/");
        }
        return c;
    }
}
