namespace ContainerForensics.Core.Watching;

/// <summary>The watch's counts, changed from the feeds and the workers at once; every change is reported to the progress reader, one at a time.</summary>
internal sealed class WatchState(IWatchProgress progress)
{
    private readonly Lock _lock = new();
    private WatchCounts _counts = new();

    public WatchCounts Counts
    {
        get
        {
            lock (_lock)
            {
                return _counts;
            }
        }
    }

    /// <summary>A trigger seen, about to be queued.</summary>
    public void Queued() => Change(c => c with { Seen = c.Seen + 1, Pending = c.Pending + 1 });

    public void Started() => Change(c => c with { Pending = c.Pending - 1, Collecting = c.Collecting + 1 });

    /// <summary>A trigger dropped before its collection began: the queue was full, or the watch stopped.</summary>
    public void DroppedFromQueue(TriggerOutcome outcome) => End(outcome, c => c with { Pending = c.Pending - 1 });

    public void Finished(TriggerOutcome outcome) => End(outcome, c => c with { Collecting = c.Collecting - 1 });

    private void End(TriggerOutcome outcome, Func<WatchCounts, WatchCounts> where)
    {
        lock (_lock)
        {
            var c = where(_counts);
            _counts = outcome.Outcome switch
            {
                IndexFields.Outcomes.Collected => c with { Collected = c.Collected + 1, Complete = c.Complete + (outcome.Complete ? 1 : 0) },
                IndexFields.Outcomes.Dropped => c with { Dropped = c.Dropped + 1 },
                _ => c with { Failed = c.Failed + 1 },
            };
            progress.Ended(outcome);
            progress.Changed(_counts);
        }
    }

    private void Change(Func<WatchCounts, WatchCounts> change)
    {
        lock (_lock)
        {
            _counts = change(_counts);
            progress.Changed(_counts);
        }
    }
}
