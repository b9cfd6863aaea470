using System.Runtime.InteropServices;
using System.Text.Json;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>One subject of a binding: User, Group or ServiceAccount (https://kubernetes.io/docs/reference/access-authn-authz/rbac/#referring-to-subjects).</summary>
internal sealed record RbacSubject(string Kind, string Name, string? Namespace);

/// <summary>
/// A RoleBinding or ClusterRoleBinding as a list gave it: who it names, which role, and the
/// server's bytes of its item (the evidence stored for each pod it concerns). Only bindings that
/// may name a service account are kept from a list (<see cref="KeepIfServiceAccounts"/>), so a
/// run holds a fraction of a cluster's bindings, never a whole list.
/// </summary>
internal sealed record RbacBinding(string Kind, string? Namespace, string Name, string RoleKind, string RoleName, IReadOnlyList<RbacSubject> Subjects, byte[] Bytes)
{
    public const string ClusterRoleBindingKind = "ClusterRoleBinding";

    public const string RoleBindingKind = "RoleBinding";

    public bool IsClusterWide => Kind == ClusterRoleBindingKind;

    /// <summary>The binding of a list item, when one of its subjects may be a service account; null otherwise (or when it has no name or role).</summary>
    public static RbacBinding? KeepIfServiceAccounts(JsonElement item, string kind)
    {
        if (!item.TryGetProperty("metadata", out var meta) || PodListing.Text(meta, "name") is not { } name
            || !item.TryGetProperty("roleRef", out var role) || PodListing.Text(role, "kind") is not { } roleKind || PodListing.Text(role, "name") is not { } roleName
            || !item.TryGetProperty("subjects", out var subjects) || subjects.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var kept = new List<RbacSubject>();
        foreach (var s in subjects.EnumerateArray())
        {
            if (PodListing.Text(s, "kind") is { } k && PodListing.Text(s, "name") is { } n)
            {
                kept.Add(new RbacSubject(k, n, PodListing.Text(s, "namespace")));
            }
        }
        if (!kept.Any(ServiceAccountIdentity.MayBeServiceAccount))
        {
            return null;
        }
        return new RbacBinding(kind, PodListing.Text(meta, "namespace"), name, roleKind, roleName, kept, JsonMarshal.GetRawUtf8Value(item).ToArray());
    }
}
