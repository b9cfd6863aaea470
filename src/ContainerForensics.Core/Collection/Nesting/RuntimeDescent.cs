using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>
/// What discovery did to find runtimes nested in one runtime's containers: which containers it
/// looked inside, or why it looked inside none (its processes are not this host's, the depth
/// limit, a listing that failed). Recorded in the acquisition record and in <c>cfir list --json</c>.
/// </summary>
public sealed record RuntimeDescent
{
    public required string Runtime { get; init; }

    public required string Endpoint { get; init; }

    /// <summary>Where this runtime is nested itself; null for a runtime of this host.</summary>
    public NestingLink? Nesting { get; init; }

    /// <summary>The depth a runtime found in its containers would have (1 inside this host's containers).</summary>
    public required int Depth { get; init; }

    /// <summary>Why none of its containers was looked into; null when they were.</summary>
    public string? NotDescended { get; init; }

    /// <summary>Not looked into only because of the depth asked for (<c>--nested-depth</c>, <c>--no-nested</c>).</summary>
    public bool DepthLimit { get; init; }

    /// <summary>Every container it listed, with what was looked for inside and what answered.</summary>
    public IReadOnlyList<ContainerDescent> Containers { get; init; } = [];
}
