namespace ContainerForensics.Core.Collection;

using ContainerForensics.Core.Runtimes;

/// <summary>
/// Which containers a run takes: named ones, all that carry every <c>--label</c>, only running
/// ones with <c>--running</c>. No names means every container. A name is read as
/// (<see cref="ContainerSelection"/> applies the rules to one run's listing):
/// <list type="bullet">
/// <item>an id prefix, of a container at any level of nesting;</item>
/// <item>a container's name, of a container of this host's runtimes;</item>
/// <item><c>NAMESPACE/POD</c>, as kubectl names a pod: its members, wherever they run;</item>
/// <item><c>NODE/CONTAINER</c> (<c>NODE/INNER/CONTAINER</c> one level deeper): a container of a
///   runtime nested in NODE, each part a name or an id prefix. A name with a "/" is read as a pod
///   first: when some container listed is in a pod of that name, it means the pod, and
///   NODE/CONTAINER is not tried (name the container by its id instead).</item>
/// </list>
/// Selecting a container selects every container nested in it (a kind node takes its pods).
/// </summary>
public sealed record ContainerSelector
{
    public IReadOnlyList<string> Names { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string?>> Labels { get; init; } = [];

    public bool RunningOnly { get; init; }

    /// <summary>The rules applied to one run's listing (every runtime's containers, nested ones included).</summary>
    public ContainerSelection Resolve(IEnumerable<ContainerInfo> listed) => new(this, listed);

    /// <summary>Whether a container is taken, judged with only itself listed (a run judges with every listing: <see cref="Resolve"/>).</summary>
    public bool Matches(ContainerInfo container) => Resolve([container]).Matches(container);

    /// <summary>The requested names that matched no container, so the run can say so.</summary>
    public IEnumerable<string> Unmatched(IEnumerable<ContainerInfo> containers) => Resolve(containers).Unmatched;
}
