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
}
