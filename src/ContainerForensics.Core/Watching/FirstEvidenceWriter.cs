using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Watching;

/// <summary>
/// The archive writer of one trigger, noting when the first evidence of the container went in:
/// the first entry with content that is neither the acquisition record nor the event, nor, with
/// <paramref name="logsAlongside"/>, a log read beside the volatile phase (a start's first byte is
/// its first volatile byte: a process's /proc file, a pod's object). The end of the latency the
/// index reports. The time is when that entry's content was captured, as its collector stamped
/// it, or else when it reached the writer. The runner serializes entries: no lock is needed.
/// </summary>
internal sealed class FirstEvidenceWriter(IArchiveWriter inner, TimeProvider clock, bool logsAlongside) : IArchiveWriter
{
    public UnixTime? FirstAt { get; private set; }

    public string? FirstPath { get; private set; }

    public ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (FirstAt is null && entry.Content is not null && !entry.Path.Value.StartsWith("acquisition/", StringComparison.Ordinal) &&
            (!logsAlongside || !entry.Path.Value.Contains("/logs/", StringComparison.Ordinal)))
        {
            var now = clock.GetUnixTime();
            FirstAt = entry.CollectedAt is { } captured && captured.CompareTo(now) < 0 ? captured : now;
            FirstPath = entry.Path.Value;
        }
        return inner.AddAsync(entry, cancellationToken);
    }

    public void RecordError(ErrorRecord error) => inner.RecordError(error);

    public IEvidenceSpool CreateSpool(string name) => inner.CreateSpool(name);

    public ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken) => inner.SealAsync(request, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
