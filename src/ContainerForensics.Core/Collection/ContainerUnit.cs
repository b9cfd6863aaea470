using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// One container through a phase, or through all of them: its runtime's collection and then the
/// runtime-agnostic collectors of the phase, inside the container's failure boundary. A container
/// that vanishes keeps what was captured, is recorded with the phase and the last entry it
/// reached, and is skipped in later phases. The batch scheduler (<see cref="CollectionRunner"/>)
/// runs it phase by phase across containers; watch mode runs it for one container at a time.
/// </summary>
internal sealed class ContainerUnit(IContainerRuntime runtime, ContainerInfo container, UnitServices services)
{
    /// <summary>The phases in order of volatility (RFC 3227).</summary>
    public static readonly IReadOnlyList<CollectionPhase> Phases = [CollectionPhase.Volatile, CollectionPhase.Metadata, CollectionPhase.Logs, CollectionPhase.Filesystem];

    public IContainerRuntime Runtime => runtime;

    public ContainerInfo Container => container;

    /// <summary>
    /// Every phase of the plan the options ask for, step after step (the phases of a step side by
    /// side); stops after the step the container vanished in.
    /// </summary>
    /// <param name="betweenPhases">Awaited before each step after the first: a scheduler may let more urgent work go first.</param>
    public async Task RunAllAsync(ContainerPlan plan, CollectionOptions options, CollectionContext run, CancellationToken cancellationToken,
        Func<CollectionPhase, CancellationToken, Task>? betweenPhases = null)
    {
        bool first = true;
        foreach (var step in plan.StepsFor(options))
        {
            if (!first && betweenPhases is not null)
            {
                await betweenPhases(step[0], cancellationToken).ConfigureAwait(false);
            }
            first = false;
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var phase in step)
            {
                runtime.PhaseStarting(phase, [container], cancellationToken);
            }
            if (step.Count == 1)
            {
                await RunPhaseAsync(step[0], options, run, cancellationToken, plan.HostEvidenceFirst).ConfigureAwait(false);
            }
            else
            {
                await Task.WhenAll(step.Select(phase => RunPhaseAsync(phase, options, run, cancellationToken, plan.HostEvidenceFirst))).ConfigureAwait(false);
            }
            if (run.Result.IsGone(container))
            {
                return;
            }
        }
    }

    /// <param name="collectorsFirst">The runtime-agnostic collectors run before the runtime's own work (<see cref="ContainerPlan.HostEvidenceFirst"/>).</param>
    public async Task RunPhaseAsync(CollectionPhase phase, CollectionOptions options, CollectionContext run, CancellationToken cancellationToken, bool collectorsFirst = false)
    {
        var result = run.Result;
        string phaseName = phase.ToString().ToLowerInvariant();
        var sink = new ScopedEvidenceSink(run.Writer, services.Layout.ContainerRoot(container), $"{phaseName} of {container.Runtime}/{container.Id}{NestingLink.Phrase(container.NestedIn)}", container.Runtime, container, services.Clock, run.Deferred);
        services.Progress(p => p.ContainerStarted(container, phase));
        bool gone = false;
        bool ok = await services.Boundary.RunAsync(sink, $"{phase} of {container.Id}", result, async () =>
        {
            try
            {
                if (!collectorsFirst)
                {
                    await runtime.CollectContainerAsync(container, phase, sink, options, cancellationToken).ConfigureAwait(false);
                }
                foreach (var collector in services.Collectors.Where(c => c.Phase == phase))
                {
                    if (await LiveHostGate.SkippedAsync(collector, runtime, sink, cancellationToken).ConfigureAwait(false))
                    {
                        continue;
                    }
                    await services.Boundary.RunAsync(sink, $"{collector.Name} of {container.Id}", result,
                        () => collector.CollectAsync(container, runtime, sink, options, cancellationToken), cancellationToken, rethrowGone: true).ConfigureAwait(false);
                }
                if (collectorsFirst)
                {
                    await runtime.CollectContainerAsync(container, phase, sink, options, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (ContainerGoneException vanished)
            {
                // Normal on a live host: keep what was captured, record when and why it stopped.
                // The record names the point reached, so a reader knows which of the phase's entries came before the vanish.
                gone = true;
                result.MarkGone(container, phase);
                string reached = sink.LastCaptured is { } last ? $"the last entry captured was {last}" : "nothing of the phase had been captured";
                sink.RecordError($"container vanished during the {phaseName} phase after {sink.EntryCount} entries of the phase ({reached}); later phases skipped", vanished, null, sink.LastCaptured?.Value);
                services.Log.Warning("container {Name:l} ({Id:l}) vanished during the {Phase:l} phase; {Reached:l}; its collection is partial: {Message:l}", container.Name, container.Id, phaseName, reached, vanished.Message);
            }
        }, cancellationToken).ConfigureAwait(false);
        services.Progress(p => p.ContainerFinished(container, phase, ok && !gone));
    }
}
