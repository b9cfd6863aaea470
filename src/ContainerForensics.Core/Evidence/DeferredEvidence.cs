namespace ContainerForensics.Core.Evidence;

/// <summary>
/// The work handed over with <see cref="IEvidenceSink.DeferAsync"/> during one run: each piece
/// starts at once on the thread pool with the run's token, and stays listed here until the
/// runner takes it to wait for it (<see cref="Take"/>). Thread-safe.
/// </summary>
/// <remarks>
/// WHY: a slow answer that does not change while it is awaited should not hold a phase. Docker's
/// stats of fifty containers come in one pass of its collector about a second after they are
/// asked for; its diff of a large container walks the image. Awaited in place, each held a
/// container's slot of the phase (measured on the rig: about 1 s of the volatile pass of 50
/// containers, 0.9 s of a 1 GiB container's metadata).
/// </remarks>
public sealed class DeferredEvidence(CancellationToken runToken)
{
    private readonly Lock _lock = new();
    private readonly List<DeferredWork> _started = [];

    internal void Start(ScopedEvidenceSink sink, string what, Func<IEvidenceSink, CancellationToken, Task> work)
    {
        var task = Task.Run(() => work(sink, runToken), CancellationToken.None);
        lock (_lock)
        {
            _started.Add(new DeferredWork(sink, what, task));
        }
    }

    /// <summary>What was started since the last call, in the order it was started; work may defer more while it runs.</summary>
    public IReadOnlyList<DeferredWork> Take()
    {
        lock (_lock)
        {
            var taken = _started.ToList();
            _started.Clear();
            return taken;
        }
    }
}

/// <summary>One piece of deferred work: the sink it writes to (its own, so its failures can be counted once it ends), what it collects, and the work.</summary>
public readonly record struct DeferredWork(ScopedEvidenceSink Sink, string What, Task Work);
