using System.Globalization;
using System.Text.Json;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Kubernetes;

/// <summary>
/// A pod as cfir lists it: one unit of collection (<see cref="PodMembership.IsWholePod"/>), its
/// id the pod's uid, grouped under its namespace. Read from a list item with no typed model:
/// only the fields that select and name it.
/// </summary>
internal static class PodListing
{
    public static ContainerInfo? ToContainerInfo(JsonElement pod)
    {
        if (!pod.TryGetProperty("metadata", out var meta) || Text(meta, "name") is not { } name || Text(meta, "namespace") is not { } ns)
        {
            return null;
        }
        string uid = Text(meta, "uid") ?? "";
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (meta.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in l.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.String))
            {
                labels[p.Name] = p.Value.GetString()!;
            }
        }
        string? phase = pod.TryGetProperty("status", out var status) ? Text(status, "phase") : null;
        string? image = pod.TryGetProperty("spec", out var spec) && spec.TryGetProperty("containers", out var cs) && cs.ValueKind == JsonValueKind.Array
            && cs.GetArrayLength() > 0 ? Text(cs[0], "image") : null;
        return new ContainerInfo
        {
            Runtime = KubernetesRuntime.RuntimeName,
            Id = uid.Length > 0 ? uid : ns + "/" + name,
            Name = name,
            Image = image,
            State = StateOf(phase, meta),
            RuntimeNamespace = ns,
            PodMembership = new PodMembership
            {
                Namespace = ns,
                Name = name,
                Uid = uid,
                IsWholePod = true,
                Containers = [.. Collection.PodContainer.Of(pod).Select(c => c.Kind == "app" ? c.Name : c.Kind + ":" + c.Name)],
            },
            Created = Text(meta, "creationTimestamp") is { } created && DateTimeOffset.TryParse(created, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : null,
            Labels = labels,
        };
    }

    /// <summary>The pod's phase in cfir's words: Running is running, Pending created, Succeeded and Failed exited; a pod being deleted says so.</summary>
    private static string StateOf(string? phase, JsonElement meta) =>
        meta.TryGetProperty("deletionTimestamp", out var d) && d.ValueKind == JsonValueKind.String ? "terminating"
        : phase switch
        {
            "Running" => "running",
            "Pending" => "created",
            "Succeeded" or "Failed" => "exited",
            _ => "unknown",
        };

    internal static string? Text(JsonElement element, string property) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
