using System.Threading.Channels;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// Watch mode's scheduler: every runtime that can be followed (<see cref="IContainerEventSource"/>)
/// feeds its events in (<see cref="EventFeed"/>); an event that is a trigger (<see cref="TriggerKinds"/>)
/// about a selected container becomes a <see cref="WatchTrigger"/> in a bounded queue; a fixed
/// number of workers take triggers in order and collect each container into its own sealed
/// archive through the shared acquisition flow (<see cref="Acquisition.RunContainerAsync"/>),
/// most volatile evidence first (<see cref="TriggerKinds.Plan"/>). Every trigger ends as one
/// index line (<see cref="WatchIndex"/>): collected, or dropped or failed with the reason (a full
/// queue, a stop before its turn), never silently. Nothing here knows a runtime: the sources say
/// what their events are about (<see cref="IContainerEventSource.FindContainerAsync"/>).
/// <para>
/// Discovery happened once, before; the runtimes' connections are reused by every trigger. Memory
/// is bounded whatever the watch's length: the queue, the containers met
/// (<see cref="KnownContainers"/>), the recent events of each source (<see cref="RecentEvents"/>)
/// and each trigger's log have caps, and an archive's buffers go when it is sealed.
/// </para>
/// <para>
/// Stopping: <see cref="WatchSettings.Until"/> stops the feeds, and what was queued is still
/// collected. A cancellation (SIGINT, SIGTERM) stops the feeds, cuts the collections under way,
/// which seal as interrupted (partial), and drops what was still queued, with the reason.
/// </para>
/// </summary>
public sealed class Watcher(TimeProvider clock, ILogger log, IWatchProgress progress)
{
    public async Task<WatchResult> RunAsync(WatchRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = request.Settings;
        var runtimes = request.Discovery.Runtimes;
        if (runtimes.Count == 0)
        {
            throw new CfirException(ExitCode.NoRuntime, "no container runtime answered; nothing can be watched");
        }
        var sources = runtimes.Where(r => r is IContainerEventSource).ToList();
        if (sources.Count == 0)
        {
            throw new CfirException(ExitCode.NoRuntime, $"none of the runtimes that answered can be followed ({string.Join(", ", runtimes.Select(r => r.Descriptor.ToString()))})");
        }
        var startedAt = clock.GetUnixTime();
        string indexPath = Path.Combine(settings.OutputDirectory, WatchIndex.FileName);
        using var index = WatchIndex.Create(indexPath);
        var run = new Run(clock, log, progress, request, index, startedAt, sources, cancellationToken);
        index.WatchStarted(new WatchStart
        {
            WatchId = run.WatchId,
            At = startedAt,
            Info = request.Info,
            Host = request.Host,
            Settings = settings,
            Selector = request.Options.Selector,
            Runtimes = [.. request.Discovery.Probes.Select(p => p.Runtime is { } r
                ? new WatchStart.WatchedRuntime(p.Name, p.Endpoint, r is IContainerEventSource, (r as IContainerEventSource)?.ReplaysSince,
                    r is IContainerEventSource ? null : "this runtime has no event source")
                : new WatchStart.WatchedRuntime(p.Name, p.Endpoint, false, null, p.Reason))],
        });
        foreach (var r in runtimes.Where(r => r is not IContainerEventSource))
        {
            log.Warning("{Runtime} answered but cannot be followed: its containers are not watched", r.Descriptor.ToString());
        }
        log.Information("watching {Runtimes}; triggers {Triggers}; {Parallel} at once, {Queue} may wait; archives and index in {Directory}",
            string.Join(", ", sources.Select(r => r.Descriptor.ToString())), string.Join(",", TriggerKinds.All.Where(settings.Triggers.Contains).Select(TriggerKinds.Name)),
            settings.Parallelism, settings.QueueCapacity, settings.OutputDirectory);
        return await run.RunAsync().ConfigureAwait(false);
    }

    /// <summary>One watch from its start to its index's last line.</summary>
    private sealed class Run
    {
        private readonly TimeProvider _clock;
        private readonly ILogger _log;
        private readonly IWatchProgress _progress;
        private readonly WatchRequest _request;
        private readonly WatchIndex _index;
        private readonly UnixTime _startedAt;
        private readonly IReadOnlyList<IContainerRuntime> _sources;
        private readonly CancellationToken _cancel;
        private readonly Channel<WatchTrigger> _queue;
        private readonly KnownContainers _known = new();
        private readonly WatchState _state;
        private long _seq;

        public Run(TimeProvider clock, ILogger log, IWatchProgress progress, WatchRequest request, WatchIndex index, UnixTime startedAt,
            IReadOnlyList<IContainerRuntime> sources, CancellationToken cancellationToken)
        {
            _clock = clock;
            _log = log;
            _progress = progress;
            _request = request;
            _index = index;
            _startedAt = startedAt;
            _sources = sources;
            _cancel = cancellationToken;
            _state = new WatchState(progress);
            _queue = Channel.CreateBounded<WatchTrigger>(new BoundedChannelOptions(Math.Max(1, request.Settings.QueueCapacity))
            {
                FullMode = BoundedChannelFullMode.Wait, // never waited on: the feeds TryWrite and drop
                SingleReader = false,
                SingleWriter = false,
            });
        }

        public string WatchId { get; } = Guid.NewGuid().ToString("D");

        private WatchSettings Settings => _request.Settings;

        private TimeProvider Clock => _clock;

        private ILogger Log => _log;

        public async Task<WatchResult> RunAsync()
        {
            using var until = Settings.Until is { } span ? new CancellationTokenSource(span, Clock) : new CancellationTokenSource();
            using var stopFeeds = CancellationTokenSource.CreateLinkedTokenSource(_cancel, until.Token);
            var workers = Enumerable.Range(0, Math.Max(1, Settings.Parallelism)).Select(_ => Task.Run(WorkAsync, CancellationToken.None)).ToList();
            var feeds = _sources.Select(r => Task.Run(() => new EventFeed(r, (IContainerEventSource)r, _startedAt, _index, _progress, Log, Clock)
                .RunAsync((e, received) => AcceptAsync(r, (IContainerEventSource)r, e, received, stopFeeds.Token), stopFeeds.Token), CancellationToken.None)).ToList();
            Exception? broken = null;
            try
            {
                await Task.WhenAll(feeds).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Only a broken index ends a feed: nothing more can be accounted for.
                broken = feeds.Where(f => f.IsFaulted).Select(f => f.Exception!.InnerException!).FirstOrDefault() ?? ex;
                await stopFeeds.CancelAsync().ConfigureAwait(false);
            }
            _queue.Writer.TryComplete();
            await Task.WhenAll(workers).ConfigureAwait(false);
            var counts = _state.Counts;
            bool interrupted = _cancel.IsCancellationRequested;
            string reason = broken is not null ? $"the index could not be written: {broken.Message}"
                : interrupted ? $"interrupted by {_request.InterruptedBy?.Invoke() ?? "cancellation"}"
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--until reached ({Settings.Until?.TotalSeconds:0}s after the start)");
            if (broken is not null)
            {
                throw broken is CfirException ? broken : new ArchiveOutputException(reason, broken);
            }
            _index.WatchEnded(Clock.GetUnixTime(), reason, counts);
            Log.Information("watch ended ({Reason:l}): {Seen} trigger(s), {Collected} collected ({Complete} complete), {Dropped} dropped, {Failed} failed",
                reason, counts.Seen, counts.Collected, counts.Complete, counts.Dropped, counts.Failed);
            return new WatchResult(counts, interrupted, Path.Combine(Settings.OutputDirectory, WatchIndex.FileName));
        }

        /// <summary>
        /// An event from a feed: a trigger about a selected container goes into the queue, or is
        /// dropped with the reason when the queue is full. Runs on the feed's task, in event order.
        /// </summary>
        private async Task AcceptAsync(IContainerRuntime runtime, IContainerEventSource source, ContainerEvent e, UnixTime received, CancellationToken stop)
        {
            if (e.Action is "destroy" or "remove")
            {
                _known.Forget(runtime, e.ContainerId);
                return;
            }
            if (TriggerKinds.Of(e.Action) is not { } kind || !Settings.Triggers.Contains(kind))
            {
                return;
            }
            var container = _known.Get(runtime, e.ContainerId);
            if (container is null)
            {
                container = await FindAsync(source, e, stop).ConfigureAwait(false);
                if (container is not null)
                {
                    _known.Put(runtime, container);
                }
                else
                {
                    // Gone already: all that is known is what the event says.
                    container = new ContainerInfo { Runtime = e.Runtime, Id = e.ContainerId, Name = e.Name, State = "unknown" };
                    Log.Debug("{Runtime} container {Id} was gone before it could be described; its selection is judged on its id and name alone", e.Runtime, e.ContainerId);
                }
            }
            if (!_request.Options.Selector.Matches(container) || ManagedElsewhere(runtime, container))
            {
                return;
            }
            if (kind == TriggerKind.Die)
            {
                container = container with { State = "exited", Pid = null };
            }
            long seq = Interlocked.Increment(ref _seq);
            string name = ArchiveNaming.For(e.Time, e.Runtime, container, kind, seq, Settings.ArchiveExtension);
            var earlier = _known.AddTrigger(runtime, container.Id, new AcquisitionTrigger.EarlierArchive(seq, TriggerKinds.Name(kind), name));
            var trigger = new WatchTrigger
            {
                Seq = seq,
                Kind = kind,
                Runtime = runtime,
                Event = e,
                ReceivedAt = received,
                Container = container,
                ArchiveName = name,
                Earlier = earlier,
            };
            if (_queue.Writer.TryWrite(trigger))
            {
                _state.Queued();
                return;
            }
            var dropped = Dropped(trigger, $"the queue was full: {Settings.QueueCapacity} trigger(s) waiting while {Settings.Parallelism} were being collected");
            _index.Trigger(dropped);
            _state.Refused(dropped);
            Log.Warning("trigger {Seq} ({Trigger} of {Runtime} {Name}) dropped: {Reason:l}", seq, trigger.KindName, e.Runtime, container.Name ?? container.Id, dropped.Reason);
        }

        /// <summary>
        /// A container that another runtime watched here manages (Docker's containers in
        /// containerd's namespace moby) is collected from that runtime, on its own event.
        /// </summary>
        private bool ManagedElsewhere(IContainerRuntime runtime, ContainerInfo container) =>
            container.ManagedBy is { } manager && _sources.Any(r => r != runtime && r.Descriptor.Name == manager.Runtime &&
                (r.Descriptor.Nesting?.Key ?? "") == (container.NestedIn?.Key ?? ""));

        private async Task<ContainerInfo?> FindAsync(IContainerEventSource source, ContainerEvent e, CancellationToken cancellationToken)
        {
            try
            {
                return await source.FindContainerAsync(e, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (!Failures.IsFatal(ex))
            {
                Log.Warning("{Runtime} did not describe container {Id}: {Message}", e.Runtime, e.ContainerId, ex.Message);
                return null;
            }
        }

        /// <summary>One worker: the next trigger in the queue, until the feeds ended and the queue is empty.</summary>
        private async Task WorkAsync()
        {
            await foreach (var trigger in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                if (_cancel.IsCancellationRequested)
                {
                    var dropped = Dropped(trigger, $"the watch was stopped ({_request.InterruptedBy?.Invoke() ?? "cancelled"}) before its collection began");
                    _index.Trigger(dropped);
                    _state.DroppedFromQueue(dropped);
                    continue;
                }
                _state.Started();
                var outcome = await CollectAsync(trigger).ConfigureAwait(false);
                _index.Trigger(outcome);
                _state.Finished(outcome);
            }
        }

        /// <summary>One trigger into its own sealed archive; what failed is the outcome, never an exception.</summary>
        private async Task<TriggerOutcome> CollectAsync(WatchTrigger trigger)
        {
            var startedAt = Clock.GetUnixTime();
            var source = (IContainerEventSource)trigger.Runtime;
            ContainerInfo container;
            try
            {
                // Asked again now: the state and pid the collectors start from are the present ones.
                container = await source.FindContainerAsync(trigger.Event, _cancel).ConfigureAwait(false) is { } now
                    ? now
                    : trigger.Container;
            }
            catch (OperationCanceledException) when (_cancel.IsCancellationRequested)
            {
                return Dropped(trigger, $"the watch was stopped ({_request.InterruptedBy?.Invoke() ?? "cancelled"}) before its collection began");
            }
            catch (Exception ex) when (!Failures.IsFatal(ex))
            {
                container = trigger.Container;
                Log.Debug("{Runtime} container {Id} not described again before its collection: {Message}", trigger.Event.Runtime, trigger.Event.ContainerId, ex.Message);
            }
            string path = Path.Combine(Settings.OutputDirectory, trigger.ArchiveName);
            using var triggerLog = _request.OpenTriggerLog();
            var request = new AcquisitionRequest
            {
                Info = _request.Info with { OutputDescription = path },
                Host = _request.Host,
                Discovery = _request.Discovery,
                Options = _request.Options,
                StartedAt = startedAt,
                Provenance = _request.Provenance,
                InterruptedBy = _request.InterruptedBy,
                Trigger = new AcquisitionTrigger
                {
                    Kind = trigger.KindName,
                    Seq = trigger.Seq,
                    Endpoint = trigger.Runtime.Descriptor.Endpoint,
                    Event = trigger.Event,
                    ReceivedAt = trigger.ReceivedAt,
                    WatchId = WatchId,
                    WatchStartedAt = _startedAt,
                    Earlier = trigger.Earlier,
                },
                AcquisitionLog = triggerLog.Capture,
            };
            FirstEvidenceWriter? writer = null;
            var acquisition = new Acquisition(Clock, triggerLog.Logger, ICollectionProgress.None, _request.Collectors());
            try
            {
                var result = await acquisition.RunContainerAsync(request, trigger.Runtime, container, TriggerKinds.Plan(trigger.Kind),
                    () => writer = new FirstEvidenceWriter(_request.OpenArchive(path), Clock), _cancel).ConfigureAwait(false);
                return new TriggerOutcome
                {
                    Trigger = trigger with { Container = container },
                    Outcome = IndexFields.Outcomes.Collected,
                    Seal = result.Seal,
                    Interrupted = result.Collection.Interrupted,
                    Errors = result.Collection.Failures,
                    VanishedIn = result.Collection.Gone.Values.Select(p => p.ToString().ToLowerInvariant()).FirstOrDefault(),
                    StartedAt = startedAt,
                    FirstEvidenceAt = writer?.FirstAt,
                    FirstEvidence = writer?.FirstPath,
                    SealedAt = Clock.GetUnixTime(),
                };
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // A broken output (disk full), or a defect: this trigger failed, the watch goes on.
                Log.Error("trigger {Seq} ({Trigger} of {Runtime} {Id}): no sealed archive: {Message}", trigger.Seq, trigger.KindName, trigger.Event.Runtime, trigger.Event.ContainerId, ex.Message);
                Log.Debug(ex, "trigger {Seq} failed", trigger.Seq);
                return new TriggerOutcome
                {
                    Trigger = trigger,
                    Outcome = IndexFields.Outcomes.Failed,
                    Reason = ex is CfirException or ArchiveOutputException ? ex.Message : $"internal error: {ex.GetType().Name}: {ex.Message}",
                    StartedAt = startedAt,
                };
            }
        }

        private static TriggerOutcome Dropped(WatchTrigger trigger, string reason) => new()
        {
            Trigger = trigger,
            Outcome = IndexFields.Outcomes.Dropped,
            Reason = reason,
        };
    }
}
