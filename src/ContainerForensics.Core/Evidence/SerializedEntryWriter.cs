using System.Collections.Concurrent;

namespace ContainerForensics.Core.Evidence;

/// <summary>
/// Lets several collectors (one per container being collected at once) share one archive
/// writer that is not thread-safe: the inner writer is entered by one caller at a time.
/// <para>
/// <see cref="AddAsync"/> waits its turn and holds it while the writer pulls the entry's content,
/// so nothing is buffered here: large content still streams from its source into the archive,
/// and the others wait. <see cref="RecordError"/> never waits: it may be called while the same
/// flow holds the turn (a content stream that records a problem while it is being read), so it
/// queues the record and whoever holds the turn, or takes it free, hands the queue over in
/// order. Errors keep the time they were recorded at (<see cref="ErrorRecord.At"/>).
/// </para>
/// </summary>
public sealed class SerializedEntryWriter : IEntryWriter
{
    private readonly IEntryWriter _inner;
    private readonly SemaphoreSlim _turn = new(1, 1);
    private readonly ConcurrentQueue<ErrorRecord> _pending = new();

    public SerializedEntryWriter(IEntryWriter inner)
    {
        _inner = inner;
    }

    public async ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
    {
        await _turn.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            HandOverErrors();
            return await _inner.AddAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            EndTurn();
        }
    }

    public void RecordError(ErrorRecord error)
    {
        _pending.Enqueue(error);
        if (_turn.Wait(0))
        {
            EndTurn();
        }
    }

    /// <summary>Needs no turn: making a spool touches nothing the writer's entries share.</summary>
    public IEvidenceSpool CreateSpool(string name) => _inner.CreateSpool(name);

    /// <summary>
    /// Hands the queued errors over, then gives the turn up. An error queued between the hand-over
    /// and the release found the turn taken: take it back for it, so no record is left behind.
    /// </summary>
    private void EndTurn()
    {
        while (true)
        {
            HandOverErrors();
            _turn.Release();
            if (_pending.IsEmpty || !_turn.Wait(0))
            {
                return;
            }
        }
    }

    private void HandOverErrors()
    {
        while (_pending.TryDequeue(out var error))
        {
            _inner.RecordError(error);
        }
    }
}
