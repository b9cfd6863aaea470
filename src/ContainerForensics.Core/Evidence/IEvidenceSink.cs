namespace ContainerForensics.Core.Evidence;

/// <summary>
/// What a collector writes to: already bound to one scope (an engine, or one container), so a
/// collector says what it found and the layout says where it goes in the archive.
/// </summary>
public interface IEvidenceSink
{
    ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken);

    /// <summary>Records a failure of this scope that produced no entry.</summary>
    void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null);

    /// <summary>
    /// A spool for content that must wait until the entry being written is done (see
    /// <see cref="IEvidenceSpool"/>), kept where the archive writer keeps its own spools.
    /// </summary>
    /// <param name="name">What it holds, for the message when an in-memory spool is full ("stderr.log").</param>
    IEvidenceSpool CreateSpool(string name);

    /// <summary>
    /// Hands over evidence whose answer is slow to come and that the caller need not wait for:
    /// a daemon's computation (Docker's disk usage, its diff of a writable layer) or a sample
    /// already requested (Docker's stats pass). The work is given a sink of the same scope to write
    /// to, and the token of the whole run.
    /// <para>
    /// A runner's sink (<see cref="ScopedEvidenceSink"/> with <see cref="DeferredEvidence"/>)
    /// starts the work and returns at once, so the phase goes on to the next container; the work
    /// writes its entry when its answer comes, and the runner waits for all such work, and
    /// records how each ended, before the archive is sealed. Any other sink runs it to the end
    /// here, which is this default.
    /// </para>
    /// </summary>
    /// <param name="what">The evidence, for the error record when the work fails ("changes.json").</param>
    Task DeferAsync(string what, Func<IEvidenceSink, CancellationToken, Task> work, CancellationToken cancellationToken) => work(this, cancellationToken);
}
