using System.Threading.Channels;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// Watch mode's scheduler: every runtime that can be followed (<see cref="IContainerEventSource"/>)
/// feeds its events in (<see cref="EventFeed"/>); an event that is a trigger (<see cref="TriggerKinds"/>)
/// about a selected container becomes a <see cref="WatchTrigger"/> in a bounded queue; triggers
/// are taken in order as collection slots free up (<see cref="WatchSettings.Parallelism"/>, new
/// triggers before the later phases of collections under way) and each container is collected
/// into its own sealed archive through the shared acquisition flow
/// (<see cref="Acquisition.RunContainerAsync"/>), most volatile evidence first
/// (<see cref="TriggerKinds.Plan"/>). Every trigger ends as one
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

    /// <summary>Archives per collection slot that may wait for their deferred answers and seal while the slot collects the next trigger.</summary>
    public const int SealingPerWorker = 3;

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
        private readonly PrioritySlots _slots;
        private readonly SemaphoreSlim _sealing;
        private readonly int _sealingSlots;
        private readonly CancellationTokenSource _stopFeeds;
        private Exception? _broken;
        private readonly WatchState _state;
        private long _seq;

        /// <summary>Triggers accepted whose collection has not begun (in the channel, or at the dispatcher waiting for a slot): at most <see cref="WatchSettings.QueueCapacity"/>.</summary>
        private int _pending;

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
            int parallel = Math.Max(1, request.Settings.Parallelism);
            _slots = new PrioritySlots(parallel);
            _sealingSlots = parallel * (1 + SealingPerWorker);
            _sealing = new SemaphoreSlim(_sealingSlots, _sealingSlots);
            _stopFeeds = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            // Unbounded as a channel: what bounds it is the count of triggers accepted and not begun (_pending).
            _queue = Channel.CreateUnbounded<WatchTrigger>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = false });
        }

        public string WatchId { get; } = Guid.NewGuid().ToString("D");

        private WatchSettings Settings => _request.Settings;

        private TimeProvider Clock => _clock;

        private ILogger Log => _log;

        public async Task<WatchResult> RunAsync()
        {
            using var until = Settings.Until is { } span ? new CancellationTokenSource(span, Clock) : new CancellationTokenSource();
            var stopAtUntil = until.Token.Register(_stopFeeds.Cancel);
            var dispatcher = Task.Run(DispatchAsync, CancellationToken.None);
            var feeds = _sources.Select(r => Task.Run(() => new EventFeed(r, (IContainerEventSource)r, _startedAt, _index, _progress, Log, Clock)
                .RunAsync((e, received) => AcceptAsync(r, (IContainerEventSource)r, e, received, _stopFeeds.Token), _stopFeeds.Token), CancellationToken.None)).ToList();
            try
            {
                await Task.WhenAll(feeds).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Only a broken index ends a feed: nothing more can be accounted for.
                Broke(feeds.Where(f => f.IsFaulted).Select(f => f.Exception!.InnerException!).FirstOrDefault() ?? ex);
            }
            _queue.Writer.TryComplete();
            await dispatcher.ConfigureAwait(false);
            // Every archive sealed: all the sealing slots are free again.
            for (int i = 0; i < _sealingSlots; i++)
            {
                await _sealing.WaitAsync().ConfigureAwait(false);
            }
            await stopAtUntil.DisposeAsync().ConfigureAwait(false);
            _stopFeeds.Dispose();
            var counts = _state.Counts;
            bool interrupted = _cancel.IsCancellationRequested;
            if (Volatile.Read(ref _broken) is { } broken)
            {
                throw broken is CfirException or ArchiveOutputException ? broken : new ArchiveOutputException($"the index could not be written: {broken.Message}", broken);
            }
            string reason = interrupted ? $"interrupted by {_request.InterruptedBy?.Invoke() ?? "cancellation"}"
                : string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--until reached ({Settings.Until?.TotalSeconds:0}s after the start)");
            _index.WatchEnded(Clock.GetUnixTime(), reason, counts);
            Log.Information("watch ended ({Reason:l}): {Seen} trigger(s), {Collected} collected ({Complete} complete), {Dropped} dropped, {Failed} failed",
                reason, counts.Seen, counts.Collected, counts.Complete, counts.Dropped, counts.Failed);
            return new WatchResult(counts, interrupted, Path.Combine(Settings.OutputDirectory, WatchIndex.FileName));
        }

        /// <summary>The index could not be written: the watch stops taking triggers, lets what is under way end, and fails.</summary>
        private void Broke(Exception ex)
        {
            Interlocked.CompareExchange(ref _broken, ex, null);
            Log.Error("the watch index could not be written; the watch stops: {Message}", ex.Message);
            try
            {
                _stopFeeds.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // already over
            }
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
            bool foundNow = false;
            if (container is null)
            {
                // What the event says, when it says enough to select (no call); else the runtime is asked.
                container = source.Describe(e);
                if (container is null)
                {
                    container = await FindAsync(source, e, stop).ConfigureAwait(false);
                    foundNow = container is not null;
                }
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
            // The state the event says; the pid is asked again by whoever needs it.
            container = container with { State = TriggerKinds.StateAfter(kind), Pid = foundNow ? container.Pid : null };
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
            _state.Queued();
            if (Interlocked.Increment(ref _pending) <= Math.Max(1, Settings.QueueCapacity) && _queue.Writer.TryWrite(trigger))
            {
                return;
            }
            Interlocked.Decrement(ref _pending);
            var dropped = Dropped(trigger, $"the queue was full: {Settings.QueueCapacity} trigger(s) waiting while {Settings.Parallelism} were being collected");
            _index.Trigger(dropped);
            _state.DroppedFromQueue(dropped);
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

        /// <summary>
        /// Takes the queued triggers in order, each as soon as a collection slot is free. Slots go
        /// to triggers that have not begun before the later phases of collections under way
        /// (<see cref="PrioritySlots"/>): every collection gives its slot back between phases and
        /// asks again, so a new container's processes are read before an older one's logs and
        /// layer. Once its phases are over a collection needs no slot: the archive waits for its
        /// deferred answers (Docker's stats sample comes with the daemon's next pass, up to a
        /// second) and seals on its own; at most <see cref="SealingPerWorker"/> archives per slot
        /// are open at once.
        /// </summary>
        private async Task DispatchAsync()
        {
            await foreach (var trigger in _queue.Reader.ReadAllAsync(CancellationToken.None).ConfigureAwait(false))
            {
                bool began = false;
                if (!_cancel.IsCancellationRequested && Volatile.Read(ref _broken) is null)
                {
                    await _sealing.WaitAsync(CancellationToken.None).ConfigureAwait(false);
                    try
                    {
                        await _slots.EnterAsync(urgent: true, _cancel).ConfigureAwait(false);
                        began = true;
                    }
                    catch (OperationCanceledException)
                    {
                        _sealing.Release();
                    }
                }
                Interlocked.Decrement(ref _pending);
                if (!began)
                {
                    var dropped = Dropped(trigger, $"the watch was stopped ({(_broken is null ? _request.InterruptedBy?.Invoke() ?? "cancelled" : "its index could not be written")}) before its collection began");
                    Account(() => _index.Trigger(dropped));
                    _state.DroppedFromQueue(dropped);
                    continue;
                }
                _state.Started();
                _ = Task.Run(() => CollectInSlotAsync(trigger), CancellationToken.None);
            }
        }

        /// <summary>One collection, holding a slot for its phases (given back and asked again between them), then sealing without one.</summary>
        private async Task CollectInSlotAsync(WatchTrigger trigger)
        {
            var slot = new Held(_slots);
            try
            {
                var hooks = new ContainerRunHooks
                {
                    BetweenPhases = slot.YieldAsync,
                    PhasesDone = slot.Release,
                };
                var outcome = await CollectAsync(trigger, hooks).ConfigureAwait(false);
                Account(() => _index.Trigger(outcome));
                _state.Finished(outcome);
            }
            finally
            {
                slot.Release();
                _sealing.Release();
            }
        }

        /// <summary>The slot a collection holds; given back once whatever happens.</summary>
        private sealed class Held(PrioritySlots slots)
        {
            private int _held = 1;

            public void Release()
            {
                if (Interlocked.Exchange(ref _held, 0) == 1)
                {
                    slots.Release();
                }
            }

            /// <summary>Between phases: the slot goes to whoever waits first (a new trigger before a later phase), then this asks again.</summary>
            public async Task YieldAsync(CollectionPhase next, CancellationToken cancellationToken)
            {
                Release();
                await slots.EnterAsync(urgent: false, cancellationToken).ConfigureAwait(false);
                Volatile.Write(ref _held, 1);
            }
        }

        /// <summary>Writes to the index; a failure to do so ends the watch (<see cref="Broke"/>).</summary>
        private void Account(Action write)
        {
            try
            {
                write();
            }
            catch (Exception ex) when (ex is ArchiveOutputException or InvalidOperationException)
            {
                Broke(ex);
            }
        }

        /// <summary>One trigger into its own sealed archive; what failed is the outcome, never an exception.</summary>
        private async Task<TriggerOutcome> CollectAsync(WatchTrigger trigger, ContainerRunHooks hooks)
        {
            var startedAt = Clock.GetUnixTime();
            // As the watch knew it when the event came: the collectors ask the runtime for what
            // must be current (the init pid, the inspect document) themselves; one more call here
            // would only stand between the event and the first /proc read.
            var container = trigger.Container;
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
            var plan = TriggerKinds.Plan(trigger.Kind);
            bool logsAlongside = plan.Phases[0] == CollectionPhase.Volatile && plan.StepsInOrder[0].Count > 1;
            var acquisition = new Acquisition(Clock, triggerLog.Logger, ICollectionProgress.None, _request.Collectors());
            try
            {
                var result = await acquisition.RunContainerAsync(request, trigger.Runtime, container, plan,
                    () => writer = new FirstEvidenceWriter(_request.OpenArchive(path), Clock, logsAlongside), _cancel, hooks).ConfigureAwait(false);
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
