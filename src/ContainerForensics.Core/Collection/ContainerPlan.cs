namespace ContainerForensics.Core.Collection;

/// <summary>
/// How one container is collected on its own (watch mode: <see cref="CollectionRunner.RunContainerAsync"/>):
/// the phases in the order to run them, and whether the runtime-agnostic collectors of a phase
/// (the host's /proc evidence) run before the runtime's own work of that phase. The batch run
/// keeps its fixed order (<see cref="ContainerUnit.Phases"/>, runtime first); a trigger chooses
/// what is most volatile for it: a start's processes, a dead container's logs and writable layer
/// before the runtime removes them.
/// </summary>
public sealed record ContainerPlan
{
    public ContainerPlan(IReadOnlyList<CollectionPhase> phases, bool hostEvidenceFirst = false)
    {
        ArgumentNullException.ThrowIfNull(phases);
        if (phases.Count == 0 || phases.Distinct().Count() != phases.Count)
        {
            throw new ArgumentException("a plan names each phase at most once, and at least one", nameof(phases));
        }
        Phases = phases;
        HostEvidenceFirst = hostEvidenceFirst;
    }

    /// <summary>Every phase in order of volatility, the runtime's work first: what a batch run does for each container.</summary>
    public static ContainerPlan Batch { get; } = new(ContainerUnit.Phases);

    public IReadOnlyList<CollectionPhase> Phases { get; }

    /// <summary>
    /// The host's collectors of a phase run first: a process that lives a second is read from
    /// /proc before the daemon is asked for its process list.
    /// </summary>
    public bool HostEvidenceFirst { get; }

    /// <summary>The phases the options ask for, in the plan's order (the filesystem phase only with a filesystem mode or volumes).</summary>
    public IEnumerable<CollectionPhase> PhasesFor(CollectionOptions options) =>
        Phases.Where(p => p != CollectionPhase.Filesystem || options.Filesystem != FilesystemMode.None || options.Volumes);
}
