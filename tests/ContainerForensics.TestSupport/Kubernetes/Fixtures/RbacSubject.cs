using System.Text.Json.Nodes;

namespace ContainerForensics.TestSupport.Kubernetes.Fixtures;

/// <summary>
/// A binding's subjects[] entry (https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/role-binding-v1/#RoleBinding):
/// a ServiceAccount (with its namespace), a User or a Group.
/// </summary>
public sealed record RbacSubject(string Kind, string Name, string? Namespace = null)
{
    public static RbacSubject ServiceAccount(string ns, string name) => new("ServiceAccount", name, ns);

    public static RbacSubject User(string name) => new("User", name);

    public static RbacSubject Group(string name) => new("Group", name);

    internal JsonObject ToJson()
    {
        var o = new JsonObject { ["kind"] = Kind };
        if (Kind != "ServiceAccount")
        {
            o["apiGroup"] = "rbac.authorization.k8s.io";
        }
        o["name"] = Name;
        if (Namespace is not null)
        {
            o["namespace"] = Namespace;
        }
        return o;
    }
}

/// <summary>A role's rules[] entry (https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/role-v1/#Role).</summary>
public sealed record RbacRule(IReadOnlyList<string> ApiGroups, IReadOnlyList<string> Resources, IReadOnlyList<string> Verbs)
{
    internal JsonObject ToJson() => new()
    {
        ["verbs"] = Strings(Verbs),
        ["apiGroups"] = Strings(ApiGroups),
        ["resources"] = Strings(Resources),
    };

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode)JsonValue.Create(v))]);
}
