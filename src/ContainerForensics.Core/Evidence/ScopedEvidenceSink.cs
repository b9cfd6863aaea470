using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Evidence;

/// <summary>
/// The sink a collector gets: bound to one scope root, it places items with the layout, fills
/// in the source (runtime, container) and forwards them to the archive writer. With
/// <see cref="DeferredEvidence"/> it starts deferred work in the background (on a sink of its
/// own with the same scope); without, it runs it in place.
/// </summary>
public sealed class ScopedEvidenceSink : IEvidenceSink
{
    private readonly IEntryWriter _writer;
    private readonly ArchivePath _root;
    private readonly string _scope;
    private readonly string? _runtime;
    private readonly ContainerInfo? _container;
    private readonly TimeProvider _clock;
    private readonly DeferredEvidence? _deferred;
    private readonly NestingLink? _nesting;

    /// <param name="nesting">For an engine scope: where the runtime is nested. A container's scope takes its container's <see cref="ContainerInfo.NestedIn"/>.</param>
    public ScopedEvidenceSink(IEntryWriter writer, ArchivePath root, string scope, string? runtime, ContainerInfo? container, TimeProvider clock, DeferredEvidence? deferred = null, NestingLink? nesting = null)
    {
        _nesting = container?.NestedIn ?? nesting;
        _deferred = deferred;
        _writer = writer;
        _root = root;
        _scope = scope;
        _runtime = runtime;
        _container = container;
        _clock = clock;
    }

    public int EntryCount { get; private set; }

    public int FailureCount { get; private set; }

    /// <summary>
    /// The archive path of the last entry that holds something captured (not a record of what was
    /// missing, failed or cut): where a container that vanished had been reached.
    /// </summary>
    public ArchivePath? LastCaptured { get; private set; }

    public ValueTask<EntryResult> AddAsync(EvidenceItem item, CancellationToken cancellationToken)
    {
        var source = (item.Source ?? new EvidenceSource()) with
        {
            Runtime = item.Source?.Runtime ?? _runtime,
            ContainerId = item.Source?.ContainerId ?? _container?.Id,
            ContainerName = item.Source?.ContainerName ?? _container?.Name,
            NestedIn = item.Source?.NestedIn ?? _nesting,
            OriginalPath = item.Source?.OriginalPath ?? item.RawPath,
        };
        var entry = new ArchiveEntry
        {
            Path = EvidenceLayout.Place(_root, item),
            HardLinkTarget = item.Metadata is { Kind: EntryKind.HardLink, LinkTarget: { Length: > 0 } target } && item.RawPath is not null
                ? EvidenceLayout.Place(_root, item with { RawPath = target })
                : null,
            Source = source,
            Metadata = item.Metadata,
            Content = item.Content,
            Status = item.Status,
            Reason = item.Reason,
            Errno = item.Errno,
            CollectedAt = item.CollectedAt ?? _clock.GetUnixTime(),
        };
        EntryCount++;
        if (item.Status is EntryStatus.Failed or EntryStatus.Missing)
        {
            FailureCount++;
        }
        else if (item.Status != EntryStatus.Absent && (item.Status != EntryStatus.Partial || item.Content is not null))
        {
            LastCaptured = entry.Path;
        }
        return _writer.AddAsync(entry, cancellationToken);
    }

    public void RecordError(string message, Exception? exception = null, int? errno = null, string? path = null)
    {
        FailureCount++;
        _writer.RecordError(new ErrorRecord
        {
            Scope = _scope,
            Message = exception is null ? message : $"{message}: {exception.Message}",
            Runtime = _runtime,
            ContainerId = _container?.Id,
            NestedIn = _nesting,
            Errno = errno,
            Path = path,
            ExceptionType = exception?.GetType().FullName,
            At = _clock.GetUnixTime(),
        });
    }

    public IEvidenceSpool CreateSpool(string name) => _writer.CreateSpool(name);

    public Task DeferAsync(string what, Func<IEvidenceSink, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        if (_deferred is null)
        {
            return work(this, cancellationToken);
        }
        _deferred.Start(new ScopedEvidenceSink(_writer, _root, _scope, _runtime, _container, _clock, _deferred, _nesting), what, work);
        return Task.CompletedTask;
    }
}
