using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// One container listed by two selected runtimes is collected once. dockerd runs its containers
/// on containerd (namespace "moby", same id), so with both runtimes selected every Docker
/// container appears twice. The managing runtime's view is the richer one (inspect, logs,
/// changes, image layers; containerd only holds the spec and the task), so that one is kept,
/// and the lower-level listing is recorded on it as a sighting instead of being dropped silently.
/// <para>
/// Same id alone is not proof on a compromised host: a container planted in containerd under a
/// Docker container's id would hide behind it. When both listings carry a pid and they differ,
/// the two are different containers and both are collected.
/// </para>
/// <para>
/// Only listings of one place fold: a nested dockerd's containers on the containerd nested in
/// the same container, never a nested container onto a host container with the same id.
/// </para>
/// </summary>
public static class DuplicateContainers
{
    public static List<(IContainerRuntime Runtime, ContainerInfo Container)> Fold(IReadOnlyList<(IContainerRuntime Runtime, ContainerInfo Container)> selected)
    {
        var managers = new Dictionary<(string Place, ContainerRef Container), int>();
        for (int i = 0; i < selected.Count; i++)
        {
            var c = selected[i].Container;
            managers.TryAdd((Place(c), new ContainerRef(c.Runtime, c.Id)), i);
        }

        var sightings = new Dictionary<int, List<ContainerSighting>>();
        var folded = new HashSet<int>();
        for (int i = 0; i < selected.Count; i++)
        {
            var (runtime, lower) = selected[i];
            if (lower.ManagedBy is not { } managedBy || !managers.TryGetValue((Place(lower), managedBy), out int m) || m == i)
            {
                continue;
            }
            var manager = selected[m].Container;
            if (lower.Pid is { } a && manager.Pid is { } b && a != b)
            {
                continue; // same id, different process: not the same container
            }
            folded.Add(i);
            if (!sightings.TryGetValue(m, out var list))
            {
                sightings[m] = list = [];
            }
            list.Add(new ContainerSighting
            {
                Runtime = lower.Runtime,
                Endpoint = runtime.Descriptor.Endpoint,
                RuntimeNamespace = lower.RuntimeNamespace,
                Id = lower.Id,
                State = lower.State,
                Pid = lower.Pid,
                Reason = $"the same container as {manager.Runtime} {manager.Id}, which manages it; collected once, from {manager.Runtime}",
            });
        }

        var result = new List<(IContainerRuntime, ContainerInfo)>(selected.Count - folded.Count);
        for (int i = 0; i < selected.Count; i++)
        {
            if (folded.Contains(i))
            {
                continue;
            }
            var (runtime, container) = selected[i];
            result.Add(sightings.TryGetValue(i, out var seen)
                ? (runtime, container with { AlsoListedBy = [.. container.AlsoListedBy, .. seen] })
                : (runtime, container));
        }
        return result;
    }

    /// <summary>Where a listing comes from: this host, or the chain of containers its runtime is nested in.</summary>
    private static string Place(ContainerInfo container) => container.NestedIn?.Key ?? "";
}
