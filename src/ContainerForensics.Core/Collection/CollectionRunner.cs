using System.Runtime.ExceptionServices;
using System.Text.Json;
using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// Runs a collection: lists and selects containers on every runtime found, then walks the
/// phases in order of volatility, each (container, phase) inside its own failure boundary so
/// one failure never stops the others. Within a phase up to <see cref="CollectionOptions.Parallelism"/>
/// containers are collected at once (most of a phase is waiting for a daemon); a phase ends
/// before the next begins, so every container's volatile evidence is taken before any
/// container's metadata. The archive writer is entered by one of them at a time
/// (<see cref="SerializedEntryWriter"/>), so one container's entries of a phase may interleave
/// with another's. Slow answers a collector deferred (<see cref="IEvidenceSink.DeferAsync"/>)
/// are written when they come, during later phases, and waited for at the end. Cancellation
/// stops the walk; whatever was captured stays and the caller still seals the archive.
/// </summary>
public sealed class CollectionRunner
{
    private readonly TimeProvider _clock;
    private readonly ILogger _log;
    private readonly UnitServices _units;
    private readonly EvidenceLayout _layout;
    private readonly FailureBoundary _boundary;

    /// <param name="collectors">Runtime-agnostic collectors (host /proc evidence) run after each runtime's own work of a phase.</param>
    public CollectionRunner(TimeProvider clock, ILogger log, ICollectionProgress progress, IReadOnlyList<IContainerEvidenceCollector>? collectors = null)
    {
        _clock = clock;
        _log = log;
        _units = new UnitServices(clock, log, progress, collectors ?? []);
        _layout = _units.Layout;
        _boundary = _units.Boundary;
    }

    /// <summary>
    /// One container through the phases of <paramref name="plan"/>, as watch mode collects a
    /// container when its event arrives: the same unit, failure boundary and vanish handling as
    /// a batch run, and the deferred answers waited for before this returns.
    /// </summary>
    /// <param name="hooks">What a scheduler is told between the phases and when they are over (watch mode).</param>
    public async Task<CollectionResult> RunContainerAsync(IContainerRuntime runtime, ContainerInfo container, ContainerPlan plan, CollectionOptions options, IArchiveWriter archive,
        CancellationToken cancellationToken, ContainerRunHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var result = new CollectionResult();
        result.Containers.Add(container);
        var run = new CollectionContext(new SerializedEntryWriter(archive), result, new DeferredEvidence(cancellationToken));
        ExceptionDispatchInfo? failed = null;
        try
        {
            await new ContainerUnit(runtime, container, _units).RunAllAsync(plan, options, run, cancellationToken, hooks?.BetweenPhases).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result.Interrupted = true;
            run.Writer.RecordError(new ErrorRecord { Scope = "run", Message = $"interrupted by signal before {container.Runtime}/{container.Id} was collected", At = _clock.GetUnixTime() });
        }
        catch (Exception ex)
        {
            failed = ExceptionDispatchInfo.Capture(ex);
        }
        hooks?.PhasesDone?.Invoke();
        await AwaitDeferredAsync(run, outputBroken: failed?.SourceException is { } ended && Failures.StopsRun(ended), cancellationToken).ConfigureAwait(false);
        failed?.Throw();
        return result;
    }

    /// <summary>
    /// Collects from the runtimes into the writer. The acquisition record must already be in
    /// the archive; the caller seals afterwards, whatever this returns or throws.
    /// </summary>
    public Task<CollectionResult> RunAsync(IReadOnlyList<IContainerRuntime> runtimes, CollectionOptions options, IArchiveWriter archive, CancellationToken cancellationToken) =>
        RunAsync(runtimes, null, null, options, archive, cancellationToken);

    /// <summary>
    /// Collects what discovery found. When its descent into containers is still to be made
    /// (<see cref="DiscoveryResult.DescentPending"/>), it is made from this run's own listings,
    /// beside the volatile phase of this host's containers, whose volatile evidence therefore
    /// waits for no daemon asked about nesting; the nested runtimes' containers then get their
    /// volatile phase, and only then is anything else taken, so the volatile evidence of every
    /// level still comes before anything is copied. <paramref name="acquisitionRecord"/> is
    /// written once discovery is complete, after the volatile evidence (or, when the run ends
    /// before that, at its end with what discovery had found). The nested runtimes found here
    /// are disposed when the run ends; the caller seals afterwards, whatever this returns or throws.
    /// </summary>
    public Task<CollectionResult> RunAsync(DiscoveryResult discovery, Func<DiscoveryResult, ArchiveEntry> acquisitionRecord, CollectionOptions options, IArchiveWriter archive,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(discovery);
        return RunAsync(discovery.Runtimes, discovery, acquisitionRecord, options, archive, cancellationToken);
    }

    private async Task<CollectionResult> RunAsync(IReadOnlyList<IContainerRuntime> runtimes, DiscoveryResult? discovery, Func<DiscoveryResult, ArchiveEntry>? acquisitionRecord,
        CollectionOptions options, IArchiveWriter archive, CancellationToken cancellationToken)
    {
        var result = new CollectionResult();
        var writer = new SerializedEntryWriter(archive);
        var deferred = new DeferredEvidence(cancellationToken);
        var run = new CollectionContext(writer, result, deferred);
        var levels = new RunLevels(discovery, runtimes);
        ExceptionDispatchInfo? failed = null;
        using var stopDescent = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<DiscoveryResult>? descent = null;
        try
        {
            var gone = new HashSet<IContainerRuntime>();
            var listings = await ListAsync(runtimes, discovery?.Listings, cancellationToken).ConfigureAwait(false);
            if (discovery is { DescentPending: true })
            {
                descent = discovery.CompleteAsync(listings, stopDescent.Token);
            }
            var listed = await TakeListingsAsync(runtimes, listings, run, gone, cancellationToken).ConfigureAwait(false);
            var selected = Select(listed, listed, options);
            result.Containers.AddRange(selected.Select(s => s.Container));
            await RunPhaseAsync(CollectionPhase.Volatile, runtimes, selected, options, run, cancellationToken).ConfigureAwait(false);

            if (descent is not null)
            {
                // The nested runtimes found meanwhile: their containers' volatile phase, before anything is copied of any level.
                levels.Discovery = await descent.ConfigureAwait(false);
                var nestedRuntimes = levels.Nested;
                var nestedListings = await ListAsync(nestedRuntimes, levels.Discovery.Listings, cancellationToken).ConfigureAwait(false);
                var nestedListed = await TakeListingsAsync(nestedRuntimes, nestedListings, run, gone, cancellationToken).ConfigureAwait(false);
                listed = [.. listed, .. nestedListed];
                var nestedSelected = Select(nestedListed, listed, options);
                result.Containers.AddRange(nestedSelected.Select(s => s.Container));
                await RunPhaseAsync(CollectionPhase.Volatile, nestedRuntimes, nestedSelected, options, run, cancellationToken, nested: true).ConfigureAwait(false);
                selected = [.. selected, .. nestedSelected];
                runtimes = levels.All;
            }
            RecordUnmatched(listed, selected, options, run);
            if (acquisitionRecord is not null)
            {
                await writer.AddAsync(acquisitionRecord(levels.Discovery!), CancellationToken.None).ConfigureAwait(false);
                levels.Recorded = true;
            }

            foreach (var runtime in runtimes.Where(r => !gone.Contains(r) && TakesEngine(r, selected, options)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sink = EngineSink(run, runtime);
                await _boundary.RunAsync(sink, $"engine evidence of {runtime.Descriptor.Name}", result,
                    () => runtime.CollectEngineAsync(sink, options, cancellationToken), cancellationToken).ConfigureAwait(false);
            }
            await RecordSightingsAsync(selected, run, cancellationToken).ConfigureAwait(false);
            await RecordPodViewsAsync(selected, run, cancellationToken).ConfigureAwait(false);
            await RunPhaseAsync(CollectionPhase.Metadata, runtimes, selected, options, run, cancellationToken).ConfigureAwait(false);
            await RunPhaseAsync(CollectionPhase.Logs, runtimes, selected, options, run, cancellationToken).ConfigureAwait(false);
            if (options.Filesystem != FilesystemMode.None || options.Volumes)
            {
                await RunPhaseAsync(CollectionPhase.Filesystem, runtimes, selected, options, run, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            result.Interrupted = true;
            _log.Warning("collection interrupted; closing the archive as partial");
            writer.RecordError(new ErrorRecord { Scope = "run", Message = "interrupted by signal before the collection finished", At = _clock.GetUnixTime() });
        }
        catch (Exception ex)
        {
            failed = ExceptionDispatchInfo.Capture(ex);
        }
        bool outputBroken = failed?.SourceException is { } ended && Failures.StopsRun(ended);
        try
        {
            await levels.EndDescentAsync(descent, stopDescent).ConfigureAwait(false);
            // Whatever ended the phases, nothing may still be writing when the caller seals.
            await AwaitDeferredAsync(run, outputBroken, cancellationToken).ConfigureAwait(false);
            if (acquisitionRecord is not null && !levels.Recorded && !outputBroken)
            {
                await writer.AddAsync(acquisitionRecord(levels.Discovery ?? discovery!.NotDescended("not looked into: the run ended before the descent into containers did")),
                    CancellationToken.None).ConfigureAwait(false);
            }
        }
        finally
        {
            await levels.DisposeNestedAsync().ConfigureAwait(false);
        }
        failed?.Throw();
        return result;
    }

    /// <summary>
    /// Waits for the work collectors deferred (<see cref="IEvidenceSink.DeferAsync"/>), also what
    /// it deferred in turn, and records how each piece that failed ended, on its own scope. A
    /// broken output is thrown once all have ended; after one, the others' failures are not
    /// recorded (nothing more can be).
    /// </summary>
    private async Task AwaitDeferredAsync(CollectionContext run, bool outputBroken, CancellationToken cancellationToken)
    {
        ExceptionDispatchInfo? broken = null;
        while (run.Deferred.Take() is { Count: > 0 } started)
        {
            foreach (var (sink, what, work) in started)
            {
                try
                {
                    await work.ConfigureAwait(false);
                }
                catch (Exception) when (outputBroken || broken is not null)
                {
                    // The run already failed on its output: that failure is the one reported.
                }
                catch (Exception ex) when (Failures.StopsRun(ex))
                {
                    broken = ExceptionDispatchInfo.Capture(ex);
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    sink.RecordError($"{what} not collected: interrupted by signal before its answer came");
                }
                catch (ContainerGoneException ex)
                {
                    sink.RecordError($"{what} not collected: the container vanished before its answer came", ex);
                }
                catch (Exception ex)
                {
                    sink.RecordError($"{what} failed", ex);
                    _log.Error("{What} failed: {Message}", what, ex.Message);
                    _log.Debug(ex, "{What} failed", what);
                }
                run.Result.AddFailures(sink.FailureCount);
            }
        }
        broken?.Throw();
    }

    /// <summary>
    /// Each runtime's listing, side by side (a daemon that hangs costs its budget once, not once
    /// per runtime after it); one made already (<paramref name="made"/>, by discovery's descent)
    /// is taken, also when it failed.
    /// </summary>
    private static async Task<Dictionary<IContainerRuntime, RuntimeListing>> ListAsync(IReadOnlyList<IContainerRuntime> runtimes,
        IReadOnlyDictionary<IContainerRuntime, RuntimeListing>? made, CancellationToken cancellationToken)
    {
        var listings = await Task.WhenAll(runtimes.Select(r => made is not null && made.TryGetValue(r, out var m) ? Task.FromResult(m) : RuntimeListing.OfAsync(r, cancellationToken)))
            .ConfigureAwait(false);
        var result = new Dictionary<IContainerRuntime, RuntimeListing>();
        for (int i = 0; i < runtimes.Count; i++)
        {
            result[runtimes[i]] = listings[i];
        }
        return result;
    }

    /// <summary>The listed containers in runtime order; a listing that failed is recorded in its runtime's failure boundary.</summary>
    /// <param name="gone">Filled with the nested runtimes found gone at their listing (their node removed since discovery): they give no engine evidence either.</param>
    private async Task<List<Selected>> TakeListingsAsync(IReadOnlyList<IContainerRuntime> runtimes, Dictionary<IContainerRuntime, RuntimeListing> listings, CollectionContext run,
        HashSet<IContainerRuntime> gone, CancellationToken cancellationToken)
    {
        var everything = new List<Selected>();
        foreach (var runtime in runtimes)
        {
            var sink = EngineSink(run, runtime);
            IReadOnlyList<ContainerInfo> listed = [];
            await _boundary.RunAsync(sink, $"listing containers of {runtime.Descriptor.Name}", run.Result, () =>
            {
                try
                {
                    listed = listings[runtime].Take();
                }
                catch (NestedRuntimeGoneException vanished)
                {
                    // Its node was removed before anything of it was listed: nothing of it was in this run's hands.
                    gone.Add(runtime);
                    _log.Warning("{Message:l}; none of its containers is listed, nor its engine evidence", vanished.Message);
                }
                return Task.CompletedTask;
            }, cancellationToken).ConfigureAwait(false);
            everything.AddRange(listed.Select(c => new Selected(runtime, c)));
        }
        return everything;
    }

    /// <summary>
    /// Of <paramref name="candidates"/>, those the selection takes, each container once
    /// (<see cref="DuplicateContainers"/>: listings of one place, so one level at a time is the
    /// same as all at once). The selection reads names against everything listed so far: a
    /// container of this host is taken or not whatever is found nested.
    /// </summary>
    private List<Selected> Select(List<Selected> candidates, List<Selected> everything, CollectionOptions options)
    {
        var selection = options.Selector.Resolve(everything.Select(s => s.Container));
        var selected = candidates.Where(s => selection.Matches(s.Container)).ToList();
        var once = DuplicateContainers.Fold([.. selected.Select(s => (s.Runtime, s.Container))]);
        if (once.Count < selected.Count)
        {
            _log.Information("{Folded} containers listed by two runtimes are collected once, from the runtime that manages them", selected.Count - once.Count);
        }
        return [.. once.Select(s => new Selected(s.Runtime, s.Container))];
    }

    /// <summary>Names that matched nothing at any level, once everything is listed.</summary>
    private void RecordUnmatched(List<Selected> everything, List<Selected> selected, CollectionOptions options, CollectionContext run)
    {
        var selection = options.Selector.Resolve(everything.Select(s => s.Container));
        foreach (var name in selection.Unmatched)
        {
            run.Result.AddFailures(1);
            run.Writer.RecordError(new ErrorRecord { Scope = "selection", Message = $"no container matches '{name}'", At = _clock.GetUnixTime() });
            _log.Warning("no container matches {Name}", name);
        }
        _log.Information("{Selected} of {Listed} containers selected", selected.Count, everything.Count);
    }

    /// <summary>
    /// One phase over every container still there: a fixed number of workers take the next
    /// container in selection order until none is left. A broken output in one stops the others
    /// (nothing more can be recorded) and is what this throws; cancellation stops them all.
    /// </summary>
    private async Task RunPhaseAsync(CollectionPhase phase, IReadOnlyList<IContainerRuntime> runtimes, List<Selected> selected, CollectionOptions options, CollectionContext run, CancellationToken cancellationToken, bool nested = false)
    {
        var result = run.Result;
        var alive = selected.Where(s => !result.IsGone(s.Container)).ToList();
        _units.Progress(p => p.PhaseStarted(phase, alive.Count, nested));
        foreach (var runtime in runtimes)
        {
            var containers = alive.Where(s => s.Runtime == runtime).Select(s => s.Container).ToList();
            if (containers.Count > 0)
            {
                await _boundary.RunAsync(EngineSink(run, runtime), $"starting the {phase.ToString().ToLowerInvariant()} phase on {runtime.Descriptor.Name}", result, () =>
                {
                    runtime.PhaseStarting(phase, containers, cancellationToken);
                    return Task.CompletedTask;
                }, cancellationToken).ConfigureAwait(false);
            }
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        int next = -1;
        async Task WorkAsync()
        {
            try
            {
                for (int i = Interlocked.Increment(ref next); i < alive.Count; i = Interlocked.Increment(ref next))
                {
                    stop.Token.ThrowIfCancellationRequested();
                    await new ContainerUnit(alive[i].Runtime, alive[i].Container, _units).RunPhaseAsync(phase, options, run, stop.Token).ConfigureAwait(false);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await stop.CancelAsync().ConfigureAwait(false);
                throw;
            }
        }
        int degree = Math.Clamp(options.Parallelism, 1, Math.Max(1, alive.Count));
        var workers = Enumerable.Range(0, degree).Select(_ => Task.Run(WorkAsync, CancellationToken.None)).ToList();
        try
        {
            await Task.WhenAll(workers).ConfigureAwait(false);
        }
        catch
        {
            // The others stopped because of this one: its exception is the one to report.
            var cause = workers.Where(w => w.IsFaulted).SelectMany(w => w.Exception!.InnerExceptions).FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }
            throw;
        }
    }

    /// <summary>
    /// metadata/also-listed-by.json for a container another runtime listed too
    /// (<see cref="DuplicateContainers"/>): which listing was collected and which were not, and why.
    /// </summary>
    private async Task RecordSightingsAsync(List<Selected> selected, CollectionContext run, CancellationToken cancellationToken)
    {
        var (writer, result, deferred) = run;
        foreach (var (runtime, container) in selected.Where(s => s.Container.AlsoListedBy.Count > 0 && !result.IsGone(s.Container)))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var sink = new ScopedEvidenceSink(writer, _layout.ContainerRoot(container), $"sightings of {container.Runtime}/{container.Id}{NestingLink.Phrase(container.NestedIn)}", container.Runtime, container, _clock, deferred);
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(new
            {
                collectedFrom = new { runtime = container.Runtime, endpoint = runtime.Descriptor.Endpoint, @namespace = container.RuntimeNamespace, id = container.Id },
                alsoListedBy = container.AlsoListedBy.Select(s => new { runtime = s.Runtime, endpoint = s.Endpoint, @namespace = s.RuntimeNamespace, id = s.Id, state = s.State, pid = s.Pid, reason = s.Reason }),
            }, SightingsJson);
            await _boundary.RunAsync(sink, $"sightings of {container.Id}", result, async () =>
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "also-listed-by.json", json, "cfir: other runtimes' listings of this container"), cancellationToken).ConfigureAwait(false),
                cancellationToken).ConfigureAwait(false);
        }
    }

    private static readonly JsonSerializerOptions SightingsJson = EvidenceJsonOptions.Serializer();

    /// <summary>
    /// metadata/pod-views.json for a Kubernetes pod that two runtimes describe: the API server's
    /// view of the whole pod (kubernetes) and its containers as a node's runtime runs them
    /// (containerd's CRI), joined by the pod's uid. Each member names the archive folders of the
    /// others, so the two views of one pod are read together, not as strangers.
    /// </summary>
    private async Task RecordPodViewsAsync(List<Selected> selected, CollectionContext run, CancellationToken cancellationToken)
    {
        var (writer, result, deferred) = run;
        var pods = selected.Where(s => s.Container.PodMembership is { Uid.Length: > 0 })
            .GroupBy(s => s.Container.PodMembership!.Uid, StringComparer.Ordinal)
            .Where(g => g.Select(s => s.Container.Runtime).Distinct(StringComparer.Ordinal).Count() > 1);
        foreach (var pod in pods)
        {
            var members = pod.ToList();
            var views = members.Select(s => new
            {
                runtime = s.Container.Runtime,
                endpoint = s.Runtime.Descriptor.Endpoint,
                id = s.Container.Id,
                container = s.Container.PodMembership!.ContainerName,
                sandbox = s.Container.PodMembership.IsSandbox,
                wholePod = s.Container.PodMembership.IsWholePod,
                state = s.Container.State,
                archiveFolder = _layout.ContainerRoot(s.Container).Value,
            }).ToList();
            foreach (var (runtime, container) in members.Where(s => !result.IsGone(s.Container)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                var sink = new ScopedEvidenceSink(writer, _layout.ContainerRoot(container), $"pod views of {container.Runtime}/{container.Id}{NestingLink.Phrase(container.NestedIn)}", container.Runtime, container, _clock, deferred);
                byte[] json = JsonSerializer.SerializeToUtf8Bytes(new
                {
                    podUid = pod.Key,
                    pod = container.PodMembership!.DisplayName,
                    views,
                }, SightingsJson);
                await _boundary.RunAsync(sink, $"pod views of {container.Id}", result, async () =>
                    await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "pod-views.json", json, "cfir: every runtime's view of this pod (same pod uid) and where each is in the archive"), cancellationToken).ConfigureAwait(false),
                    cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Every runtime of this host gives its engine evidence. A runtime nested in a container is
    /// part of that container's world: its engine evidence is taken when one of its containers
    /// is, or when nothing was narrowed (no names, no labels), so that naming one node of a
    /// thirty-node cluster does not copy the other twenty-nine containerds' image stores.
    /// </summary>
    private bool TakesEngine(IContainerRuntime runtime, List<Selected> selected, CollectionOptions options)
    {
        if (runtime.Descriptor.Nesting is null || options.Selector is { Names.Count: 0, Labels.Count: 0 } || selected.Any(s => s.Runtime == runtime))
        {
            return true;
        }
        _log.Debug("engine evidence of {Runtime} not taken: none of its containers is selected", runtime.Descriptor.ToString());
        return false;
    }

    private ScopedEvidenceSink EngineSink(CollectionContext run, IContainerRuntime runtime) =>
        new(run.Writer, _layout.EngineRoot(runtime.Descriptor), $"engine {runtime.Descriptor.Name}{NestingLink.Phrase(runtime.Descriptor.Nesting)}", runtime.Descriptor.Name, null, _clock, run.Deferred, runtime.Descriptor.Nesting);

    private readonly record struct Selected(IContainerRuntime Runtime, ContainerInfo Container);
}

/// <summary>
/// What a run did: the containers taken, those that vanished, how many failures were recorded.
/// The runner updates it from several tasks at once; read it when the run is over.
/// </summary>
public sealed class CollectionResult
{
    private readonly Lock _lock = new();
    private readonly Dictionary<ContainerInfo, CollectionPhase> _gone = [];
    private int _failures;

    public List<ContainerInfo> Containers { get; } = [];

    /// <summary>Each vanished container and the phase it vanished in.</summary>
    public IReadOnlyDictionary<ContainerInfo, CollectionPhase> Gone
    {
        get
        {
            lock (_lock)
            {
                return new Dictionary<ContainerInfo, CollectionPhase>(_gone);
            }
        }
    }

    public int Failures => Volatile.Read(ref _failures);

    public bool Interrupted { get; set; }

    internal void AddFailures(int count) => Interlocked.Add(ref _failures, count);

    internal void MarkGone(ContainerInfo container, CollectionPhase phase)
    {
        lock (_lock)
        {
            _gone[container] = phase;
        }
    }

    internal bool IsGone(ContainerInfo container)
    {
        lock (_lock)
        {
            return _gone.ContainsKey(container);
        }
    }
}
