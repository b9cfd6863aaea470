namespace ContainerForensics.Core.Collection;

/// <summary>
/// How one container is collected on its own (watch mode: <see cref="CollectionRunner.RunContainerAsync"/>):
/// the phases in steps, in the order to run them (the phases of one step run side by side), and
/// whether the runtime-agnostic collectors of a phase (the host's /proc evidence) run before the
/// runtime's own work of that phase. The batch run keeps its fixed order
/// (<see cref="ContainerUnit.Phases"/>, one at a time, runtime first); a trigger chooses what is
/// most volatile for it: a start's processes, with its output read alongside (a container that
/// lives a second takes its logs with it), a dead container's logs and writable layer before
/// the runtime removes them.
/// </summary>
public sealed record ContainerPlan
{
    /// <summary>One phase a step, in this order.</summary>
    public ContainerPlan(IReadOnlyList<CollectionPhase> phases, bool hostEvidenceFirst = false)
        : this(Steps(phases), hostEvidenceFirst)
    {
    }

    private ContainerPlan(IReadOnlyList<IReadOnlyList<CollectionPhase>> steps, bool hostEvidenceFirst)
    {
        var phases = steps.SelectMany(s => s).ToList();
        if (phases.Count == 0 || phases.Distinct().Count() != phases.Count || steps.Any(s => s.Count == 0))
        {
            throw new ArgumentException("a plan names each phase at most once, and at least one; no step is empty", nameof(steps));
        }
        StepsInOrder = steps;
        Phases = phases;
        HostEvidenceFirst = hostEvidenceFirst;
    }

    /// <summary>Steps of one or more phases; the phases of a step run side by side.</summary>
    public static ContainerPlan InSteps(IReadOnlyList<IReadOnlyList<CollectionPhase>> steps, bool hostEvidenceFirst = false)
    {
        ArgumentNullException.ThrowIfNull(steps);
        return new ContainerPlan(steps, hostEvidenceFirst);
    }

    /// <summary>Every phase in order of volatility, the runtime's work first: what a batch run does for each container.</summary>
    public static ContainerPlan Batch { get; } = new(ContainerUnit.Phases);

    /// <summary>Every phase of the plan, in order.</summary>
    public IReadOnlyList<CollectionPhase> Phases { get; }

    public IReadOnlyList<IReadOnlyList<CollectionPhase>> StepsInOrder { get; }

    /// <summary>
    /// The host's collectors of a phase run first: a process that lives a second is read from
    /// /proc before the daemon is asked for its process list.
    /// </summary>
    public bool HostEvidenceFirst { get; }

    /// <summary>The phases the options ask for, in the plan's order (the filesystem phase only with a filesystem mode or volumes).</summary>
    public IEnumerable<CollectionPhase> PhasesFor(CollectionOptions options) => StepsFor(options).SelectMany(s => s);

    /// <summary>The steps with the phases the options ask for; a step left empty is left out.</summary>
    public IEnumerable<IReadOnlyList<CollectionPhase>> StepsFor(CollectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return StepsInOrder
            .Select(s => (IReadOnlyList<CollectionPhase>)[.. s.Where(p => p != CollectionPhase.Filesystem || options.Filesystem != FilesystemMode.None || options.Volumes)])
            .Where(s => s.Count > 0);
    }

    private static IReadOnlyList<IReadOnlyList<CollectionPhase>> Steps(IReadOnlyList<CollectionPhase> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        return [.. phases.Select(p => (IReadOnlyList<CollectionPhase>)[p])];
    }
}
