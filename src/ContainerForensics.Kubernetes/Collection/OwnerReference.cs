using System.Text.Json;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// One entry of an object's <c>metadata.ownerReferences</c>
/// (https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/):
/// the owner's apiVersion, kind, name and uid, and whether it is the managing controller.
/// </summary>
internal sealed record OwnerReference(string ApiVersion, string Kind, string Name, string? Uid, bool Controller)
{
    /// <summary>The owners an object names, its controller first; entries without apiVersion, kind or name are left out.</summary>
    public static IReadOnlyList<OwnerReference> Of(JsonElement obj)
    {
        var owners = new List<OwnerReference>();
        if (obj.ValueKind == JsonValueKind.Object && obj.TryGetProperty("metadata", out var meta) && meta.ValueKind == JsonValueKind.Object
            && meta.TryGetProperty("ownerReferences", out var refs) && refs.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in refs.EnumerateArray())
            {
                if (PodListing.Text(r, "apiVersion") is { } apiVersion && PodListing.Text(r, "kind") is { } kind && PodListing.Text(r, "name") is { } name)
                {
                    owners.Add(new OwnerReference(apiVersion, kind, name, PodListing.Text(r, "uid"),
                        r.TryGetProperty("controller", out var c) && c.ValueKind == JsonValueKind.True));
                }
            }
        }
        return [.. owners.OrderByDescending(o => o.Controller)];
    }

    /// <summary>"ReplicaSet web-7d9f (uid ...)".</summary>
    public string Describe() => $"{Kind} {Name}" + (Uid is null ? "" : $" (uid {Uid})");
}
