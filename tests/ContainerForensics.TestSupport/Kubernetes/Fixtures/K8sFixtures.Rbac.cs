using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

public static partial class K8sFixtures
{
    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/role-v1/</summary>
    public static string Role(string ns, string name, string uid, params RbacRule[] rules) => Text(new JsonObject
    {
        ["kind"] = "Role",
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["metadata"] = Metadata(ns, name, uid),
        ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)r.ToJson())]),
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/cluster-role-v1/</summary>
    public static string ClusterRole(string name, string uid, params RbacRule[] rules) => Text(new JsonObject
    {
        ["kind"] = "ClusterRole",
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["metadata"] = Metadata(null, name, uid),
        ["rules"] = new JsonArray([.. rules.Select(r => (JsonNode)r.ToJson())]),
    });

    /// <summary>The bootstrap cluster-admin ClusterRole as a real cluster has it (labels and auto-update annotation included).</summary>
    public static string ClusterAdminRole(string uid) => Text(new JsonObject
    {
        ["kind"] = "ClusterRole",
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["metadata"] = Metadata(null, "cluster-admin", uid, labels: new Dictionary<string, string> { ["kubernetes.io/bootstrapping"] = "rbac-defaults" },
            annotations: new Dictionary<string, string> { ["rbac.authorization.kubernetes.io/autoupdate"] = "true" }),
        ["rules"] = new JsonArray(
            new RbacRule(["*"], ["*"], ["*"]).ToJson(),
            new JsonObject { ["verbs"] = new JsonArray("*"), ["nonResourceURLs"] = new JsonArray("*") }),
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/role-binding-v1/ ; roleKind is "Role" or "ClusterRole".</summary>
    public static string RoleBinding(string ns, string name, string uid, string roleKind, string roleName, params RbacSubject[] subjects) => Text(new JsonObject
    {
        ["kind"] = "RoleBinding",
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["metadata"] = Metadata(ns, name, uid),
        ["subjects"] = new JsonArray([.. subjects.Select(s => (JsonNode)s.ToJson())]),
        ["roleRef"] = RoleRef(roleKind, roleName),
    });

    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/cluster-role-binding-v1/</summary>
    public static string ClusterRoleBinding(string name, string uid, string clusterRole, params RbacSubject[] subjects) => Text(new JsonObject
    {
        ["kind"] = "ClusterRoleBinding",
        ["apiVersion"] = "rbac.authorization.k8s.io/v1",
        ["metadata"] = Metadata(null, name, uid),
        ["subjects"] = new JsonArray([.. subjects.Select(s => (JsonNode)s.ToJson())]),
        ["roleRef"] = RoleRef("ClusterRole", clusterRole),
    });

    private static JsonObject RoleRef(string kind, string name) => new()
    {
        ["apiGroup"] = "rbac.authorization.k8s.io",
        ["kind"] = kind,
        ["name"] = name,
    };
}
