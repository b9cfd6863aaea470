namespace ContainerForensics.Core.Collection;

/// <summary>
/// What a scheduler of single-container runs (watch mode) is told while one runs
/// (<see cref="CollectionRunner.RunContainerAsync"/>), so it can let more urgent work go first.
/// </summary>
public sealed record ContainerRunHooks
{
    /// <summary>Awaited before each phase after the first (watch mode gives its slot back and asks again, after the triggers that have not begun).</summary>
    public Func<CollectionPhase, CancellationToken, Task>? BetweenPhases { get; init; }

    /// <summary>Called once, when the phases are over, before the deferred answers are waited for.</summary>
    public Action? PhasesDone { get; init; }
}
