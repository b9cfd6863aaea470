namespace ContainerForensics.Core.Evidence;

/// <summary>
/// The part of the archive writer that collection uses: add an entry, record a failure. Sealing
/// and closing stay with whoever opened the archive (<see cref="IArchiveWriter"/>).
/// </summary>
public interface IEntryWriter
{
    /// <summary>Writes the entry, hashing its content while it goes out. Never throws for a bad source; only for a broken output.</summary>
    ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken);

    /// <summary>Records a failure that produced no entry (a runtime that did not answer, a phase that threw).</summary>
    void RecordError(ErrorRecord error);

    /// <summary>A spool for content held back until its entry's turn (<see cref="IEvidenceSink.CreateSpool"/>); callable at any time, from any thread.</summary>
    IEvidenceSpool CreateSpool(string name);
}
