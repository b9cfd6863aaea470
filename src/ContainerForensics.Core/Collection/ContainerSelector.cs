namespace ContainerForensics.Core.Collection;

using ContainerForensics.Core.Runtimes;

/// <summary>
/// Which containers a run takes: named ones (id prefix, name, or a pod's NAMESPACE/NAME), all that carry every
/// <c>--label</c>, only running ones with <c>--running</c>. No names means every container.
/// </summary>
public sealed record ContainerSelector
{
    public IReadOnlyList<string> Names { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string?>> Labels { get; init; } = [];

    public bool RunningOnly { get; init; }

    public bool Matches(ContainerInfo container)
    {
        if (RunningOnly && !container.IsRunning)
        {
            return false;
        }
        foreach (var (key, value) in Labels)
        {
            if (!container.Labels.TryGetValue(key, out var actual) || (value is not null && !string.Equals(actual, value, StringComparison.Ordinal)))
            {
                return false;
            }
        }
        return Names.Count == 0 || Names.Any(n => NameMatches(container, n));
    }

    /// <summary>The requested names that matched no container, so the run can say so.</summary>
    public IEnumerable<string> Unmatched(IEnumerable<ContainerInfo> containers)
    {
        var list = containers.ToList();
        return Names.Where(n => !list.Any(c => NameMatches(c, n)));
    }

    private static bool NameMatches(ContainerInfo c, string requested) =>
        (requested.Length >= 1 && c.Id.StartsWith(requested, StringComparison.OrdinalIgnoreCase)) ||
        string.Equals(c.Name, requested, StringComparison.Ordinal) ||
        string.Equals(c.Name, "/" + requested, StringComparison.Ordinal) ||
        // NAMESPACE/POD, as kubectl names a pod: the API server's view of it and its containers on a node.
        c.PodMembership is { } pod && string.Equals(pod.DisplayName, requested, StringComparison.Ordinal);
}
