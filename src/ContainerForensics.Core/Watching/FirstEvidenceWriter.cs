using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// The archive writer of one trigger, noting when the first evidence of the container went in
/// (not the acquisition record, not the event; with <paramref name="volatileOnly"/>, the first
/// volatile entry: its logs may be read alongside): the end of the latency the index reports.
/// The time is when that entry's content was captured, as its collector stamped it, or else
/// when it reached the writer. The runner serializes entries, so no lock is needed here.
/// </summary>
internal sealed class FirstEvidenceWriter(IArchiveWriter inner, TimeProvider clock, bool volatileOnly) : IArchiveWriter
{
    public UnixTime? FirstAt { get; private set; }

    public string? FirstPath { get; private set; }

    public ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (FirstAt is null && !entry.Path.Value.StartsWith("acquisition/", StringComparison.Ordinal) &&
            (!volatileOnly || entry.Path.Value.Contains("/volatile/", StringComparison.Ordinal)))
        {
            var now = clock.GetUnixTime();
            FirstAt = entry.CollectedAt is { } captured && captured.CompareTo(now) < 0 ? captured : now;
            FirstPath = entry.Path.Value;
        }
        return inner.AddAsync(entry, cancellationToken);
    }

    public void RecordError(ErrorRecord error) => inner.RecordError(error);

    public ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken) => inner.SealAsync(request, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
