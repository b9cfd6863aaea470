using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// A <see cref="ContainerSelector"/> applied to one run's listing. The listing decides how a name
/// with a "/" is read: as <c>NAMESPACE/POD</c> when any container listed is in that pod, else as
/// <c>NODE/CONTAINER</c>. A container is taken when it, or a container it is nested in, matches
/// the names and the labels; <c>--running</c> is asked of the container itself.
/// </summary>
public sealed class ContainerSelection
{
    private readonly ContainerSelector _selector;
    private readonly HashSet<string> _podNames;
    private readonly List<string> _unmatched;

    internal ContainerSelection(ContainerSelector selector, IEnumerable<ContainerInfo> listed)
    {
        _selector = selector;
        var all = listed.ToList();
        _podNames = new HashSet<string>(
            selector.Names.Where(n => all.Any(c => c.PodMembership is { } pod && string.Equals(pod.DisplayName, n, StringComparison.Ordinal))),
            StringComparer.Ordinal);
        _unmatched = [.. selector.Names.Where(n => !all.Any(c => NameMatches(c, n)))];
    }

    /// <summary>The names that matched no container listed.</summary>
    public IReadOnlyList<string> Unmatched => _unmatched;

    public bool Matches(ContainerInfo container)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (_selector.RunningOnly && !container.IsRunning)
        {
            return false;
        }
        for (ContainerInfo? c = container; c is not null; c = c.NestedIn?.HostContainer)
        {
            if (MatchesItself(c))
            {
                return true;
            }
        }
        return false;
    }

    private bool MatchesItself(ContainerInfo c)
    {
        foreach (var (key, value) in _selector.Labels)
        {
            if (!c.Labels.TryGetValue(key, out var actual) || (value is not null && !string.Equals(actual, value, StringComparison.Ordinal)))
            {
                return false;
            }
        }
        return _selector.Names.Count == 0 || _selector.Names.Any(n => NameMatches(c, n));
    }

    private bool NameMatches(ContainerInfo c, string requested)
    {
        if (IdMatches(c, requested))
        {
            return true;
        }
        if (c.NestedIn is null && (string.Equals(c.Name, requested, StringComparison.Ordinal) || string.Equals(c.Name, "/" + requested, StringComparison.Ordinal)))
        {
            return true;
        }
        if (_podNames.Contains(requested))
        {
            // NAMESPACE/POD, as kubectl names a pod: the API server's view of it and its containers on a node (nested or not).
            return c.PodMembership is { } pod && string.Equals(pod.DisplayName, requested, StringComparison.Ordinal);
        }
        return PathMatches(c, requested);
    }

    /// <summary>NODE/CONTAINER: the last part is the container, each part before it the container it is nested in, one level up each.</summary>
    private static bool PathMatches(ContainerInfo c, string requested)
    {
        string[] parts = requested.Split('/');
        if (parts.Length < 2 || parts.Any(p => p.Length == 0))
        {
            return false;
        }
        ContainerInfo? at = c;
        for (int i = parts.Length - 1; i >= 0; i--)
        {
            if (at is null || !PartMatches(at, parts[i]))
            {
                return false;
            }
            at = at.NestedIn?.HostContainer;
        }
        return true;
    }

    private static bool PartMatches(ContainerInfo c, string part) =>
        IdMatches(c, part) || string.Equals(c.Name?.TrimStart('/'), part, StringComparison.Ordinal);

    private static bool IdMatches(ContainerInfo c, string requested) =>
        requested.Length >= 1 && c.Id.StartsWith(requested, StringComparison.OrdinalIgnoreCase);
}
