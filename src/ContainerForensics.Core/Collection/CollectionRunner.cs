using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// Runs a collection: lists and selects containers on every runtime found, then walks the
/// phases in order of volatility, each (container, phase) inside its own failure boundary so
/// one failure never stops the others. Cancellation stops the walk; whatever was captured stays
/// and the caller still seals the archive.
/// </summary>
public sealed class CollectionRunner
{
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly ICollectionProgress _progress;
    private readonly EvidenceLayout _layout = new();
    private readonly IReadOnlyList<IContainerEvidenceCollector> _collectors;

    /// <param name="collectors">Runtime-agnostic collectors (host /proc evidence) run after each runtime's own work of a phase.</param>
    public CollectionRunner(TimeProvider clock, ILogger log, ICollectionProgress progress, IReadOnlyList<IContainerEvidenceCollector>? collectors = null)
    {
        _clock = clock;
        _log = log;
        _progress = progress;
        _collectors = collectors ?? [];
    }

    /// <summary>
    /// Collects from the runtimes into the writer. The acquisition record must already be in
    /// the archive; the caller seals afterwards, whatever this returns or throws.
    /// </summary>
    public async Task<CollectionResult> RunAsync(IReadOnlyList<IContainerRuntime> runtimes, CollectionOptions options, IArchiveWriter writer, CancellationToken cancellationToken)
    {
        var result = new CollectionResult();
        try
        {
            var selected = await SelectAsync(runtimes, options, writer, result, cancellationToken).ConfigureAwait(false);
            result.Containers.AddRange(selected.Select(s => s.Container));

            await RunPhaseAsync(CollectionPhase.Volatile, selected, options, writer, result, cancellationToken).ConfigureAwait(false);
            foreach (var runtime in runtimes)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sink = EngineSink(writer, runtime);
                await BoundaryAsync(sink, $"engine evidence of {runtime.Descriptor.Name}", result,
                    () => runtime.CollectEngineAsync(sink, options, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            await RecordSightingsAsync(selected, writer, result, cancellationToken).ConfigureAwait(false);
            await RunPhaseAsync(CollectionPhase.Metadata, selected, options, writer, result, cancellationToken).ConfigureAwait(false);
            await RunPhaseAsync(CollectionPhase.Logs, selected, options, writer, result, cancellationToken).ConfigureAwait(false);
            if (options.Filesystem != FilesystemMode.None || options.Volumes)
            {
                await RunPhaseAsync(CollectionPhase.Filesystem, selected, options, writer, result, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result.Interrupted = true;
            _log.Warning("collection interrupted; closing the archive as partial");
            writer.RecordError(new ErrorRecord { Scope = "run", Message = "interrupted by signal before the collection finished", At = _clock.GetUnixTime() });
        }
        return result;
    }

    private async Task<List<Selected>> SelectAsync(IReadOnlyList<IContainerRuntime> runtimes, CollectionOptions options, IArchiveWriter writer, CollectionResult result, CancellationToken cancellationToken)
    {
        var selected = new List<Selected>();
        var everything = new List<ContainerInfo>();
        foreach (var runtime in runtimes)
        {
            var sink = EngineSink(writer, runtime);
            IReadOnlyList<ContainerInfo> listed = [];
            await BoundaryAsync(sink, $"listing containers of {runtime.Descriptor.Name}", result, async () =>
            {
                listed = await runtime.ListContainersAsync(cancellationToken).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            everything.AddRange(listed);
            foreach (var c in listed.Where(options.Selector.Matches))
            {
                selected.Add(new Selected(runtime, c));
            }
        }
        foreach (var name in options.Selector.Unmatched(everything))
        {
            result.Failures++;
            writer.RecordError(new ErrorRecord { Scope = "selection", Message = $"no container matches '{name}'", At = _clock.GetUnixTime() });
            _log.Warning("no container matches {Name}", name);
        }
        var once = DuplicateContainers.Fold([.. selected.Select(s => (s.Runtime, s.Container))]);
        if (once.Count < selected.Count)
        {
            _log.Information("{Folded} containers listed by two runtimes are collected once, from the runtime that manages them", selected.Count - once.Count);
        }
        _log.Information("{Selected} of {Listed} containers selected", once.Count, everything.Count);
        return [.. once.Select(s => new Selected(s.Runtime, s.Container))];
    }

    private async Task RunPhaseAsync(CollectionPhase phase, List<Selected> selected, CollectionOptions options, IArchiveWriter writer, CollectionResult result, CancellationToken cancellationToken)
    {
        var alive = selected.Where(s => !result.Gone.ContainsKey(s.Container)).ToList();
        _progress.PhaseStarted(phase, alive.Count);
        foreach (var (runtime, container) in alive)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sink = new ScopedEvidenceSink(writer, _layout.ContainerRoot(container), $"{phase.ToString().ToLowerInvariant()} of {container.Runtime}/{container.Id}", container.Runtime, container, _clock);
            _progress.ContainerStarted(container, phase);
            bool ok = await BoundaryAsync(sink, $"{phase} of {container.Id}", result, async () =>
            {
                try
                {
                    await runtime.CollectContainerAsync(container, phase, sink, options, cancellationToken).ConfigureAwait(false);
                    foreach (var collector in _collectors.Where(c => c.Phase == phase))
                    {
                        await BoundaryAsync(sink, $"{collector.Name} of {container.Id}", result,
                            () => collector.CollectAsync(container, runtime, sink, options, cancellationToken), cancellationToken, rethrowGone: true).ConfigureAwait(false);
                    }
                }
                catch (ContainerGoneException gone)
                {
                    // Normal on a live host: keep what was captured, record when and why it stopped.
                    result.Gone[container] = phase;
                    sink.RecordError($"container vanished during the {phase.ToString().ToLowerInvariant()} phase; later phases skipped", gone);
                    _log.Warning("container {Id} vanished during {Phase}: {Message}", container.Id, phase, gone.Message);
                }
            }, cancellationToken).ConfigureAwait(false);
            _progress.ContainerFinished(container, phase, ok && !result.Gone.ContainsKey(container));
        }
    }

    /// <summary>
    /// metadata/also-listed-by.json for a container another runtime listed too
    /// (<see cref="DuplicateContainers"/>): which listing was collected and which were not, and why.
    /// </summary>
    private async Task RecordSightingsAsync(List<Selected> selected, IArchiveWriter writer, CollectionResult result, CancellationToken cancellationToken)
    {
        foreach (var (runtime, container) in selected.Where(s => s.Container.AlsoListedBy.Count > 0 && !result.Gone.ContainsKey(s.Container)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sink = new ScopedEvidenceSink(writer, _layout.ContainerRoot(container), $"sightings of {container.Runtime}/{container.Id}", container.Runtime, container, _clock);
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(new
            {
                collectedFrom = new { runtime = container.Runtime, endpoint = runtime.Descriptor.Endpoint, @namespace = container.Namespace, id = container.Id },
                alsoListedBy = container.AlsoListedBy.Select(s => new { runtime = s.Runtime, endpoint = s.Endpoint, @namespace = s.Namespace, id = s.Id, state = s.State, pid = s.Pid, reason = s.Reason }),
            }, SightingsJson);
            await BoundaryAsync(sink, $"sightings of {container.Id}", result, async () =>
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "also-listed-by.json", json, "cfir: other runtimes' listings of this container"), cancellationToken).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly JsonSerializerOptions SightingsJson = new() { WriteIndented = true };

    private ScopedEvidenceSink EngineSink(IArchiveWriter writer, IContainerRuntime runtime) =>
        new(writer, _layout.EngineRoot(runtime.Descriptor), $"engine {runtime.Descriptor.Name}", runtime.Descriptor.Name, null, _clock);

    /// <summary>Runs one unit of work; any failure but cancellation becomes an error record and the run goes on.</summary>
    private async Task<bool> BoundaryAsync(ScopedEvidenceSink sink, string what, CollectionResult result, Func<Task> work, CancellationToken cancellationToken, bool rethrowGone = false)
    {
        int before = sink.FailureCount;
        try
        {
            await work().ConfigureAwait(false);
            result.Failures += sink.FailureCount - before;
            return sink.FailureCount == before;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (CfirException)
        {
            throw; // the archive output failed: nothing more can be recorded
        }
        catch (ContainerGoneException) when (rethrowGone)
        {
            throw; // the enclosing boundary records the vanished container once
        }
        catch (Exception ex)
        {
            sink.RecordError($"{what} failed", ex);
            result.Failures += sink.FailureCount - before;
            _log.Error("{What} failed: {Message}", what, ex.Message);
            _log.Debug(ex, "{What} failed", what);
            return false;
        }
    }

    private readonly record struct Selected(IContainerRuntime Runtime, ContainerInfo Container);
}

/// <summary>What a run did: the containers taken, those that vanished, how many failures were recorded.</summary>
public sealed class CollectionResult
{
    public List<ContainerInfo> Containers { get; } = [];

    public Dictionary<ContainerInfo, CollectionPhase> Gone { get; } = [];

    public int Failures { get; set; }

    public bool Interrupted { get; set; }
}
