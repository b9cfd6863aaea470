using System.Text.Json;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// The containers of a pod as its object names them: init, app and ephemeral, each with whether
/// a previous instance exists (a restart, or a last terminated state), from the pod's status.
/// </summary>
internal sealed record PodContainer(string Name, string Kind, bool HasPrevious, int RestartCount)
{
    public static IReadOnlyList<PodContainer> Of(JsonElement pod)
    {
        var statuses = new Dictionary<string, (bool Previous, int Restarts)>(StringComparer.Ordinal);
        if (pod.TryGetProperty("status", out var status) && status.ValueKind == JsonValueKind.Object)
        {
            foreach (string list in (string[])["initContainerStatuses", "containerStatuses", "ephemeralContainerStatuses"])
            {
                if (!status.TryGetProperty(list, out var array) || array.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }
                foreach (var s in array.EnumerateArray())
                {
                    if (PodListing.Text(s, "name") is not { } name)
                    {
                        continue;
                    }
                    int restarts = s.TryGetProperty("restartCount", out var r) && r.TryGetInt32(out int n) ? n : 0;
                    bool terminatedBefore = s.TryGetProperty("lastState", out var last) && last.ValueKind == JsonValueKind.Object
                        && last.TryGetProperty("terminated", out var t) && t.ValueKind == JsonValueKind.Object;
                    statuses[name] = (restarts > 0 || terminatedBefore, restarts);
                }
            }
        }
        var result = new List<PodContainer>();
        if (pod.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object)
        {
            foreach (var (list, kind) in (ReadOnlySpan<(string, string)>)[("initContainers", "init"), ("containers", "app"), ("ephemeralContainers", "ephemeral")])
            {
                if (!spec.TryGetProperty(list, out var array) || array.ValueKind != JsonValueKind.Array)
                {
                    continue;
                }
                foreach (var c in array.EnumerateArray())
                {
                    if (PodListing.Text(c, "name") is { } name)
                    {
                        var (previous, restarts) = statuses.GetValueOrDefault(name);
                        result.Add(new PodContainer(name, kind, previous, restarts));
                    }
                }
            }
        }
        return result;
    }
}
