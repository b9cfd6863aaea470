using System.Text;
using ContainerForensics.Core;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.TestSupport;

/// <summary>
/// The test double of <see cref="IArchiveWriter"/> for runs through the real CollectionRunner:
/// each entry's content is pulled by offset, closed and disposed as the real writer does
/// (<see cref="ContentConsumer"/>), so a source's closing check runs; entries, their final
/// statuses and every error are kept, and the seal is computed by the real writer's rule
/// (complete only when not interrupted, no error recorded and no entry failed, missing or partial).
/// The writer is not thread-safe; any call that arrives while another is inside is counted in
/// <see cref="Overlaps"/>, so a test can prove the runner serializes its calls.
/// </summary>
public sealed class RecordingArchiveWriter : IArchiveWriter
{
    private const int FailuresKept = 5;
    private readonly Lock _lock = new();
    private readonly Dictionary<EntryStatus, long> _statusCounts = [];
    private readonly List<string> _firstFailures = [];
    private int _inside;
    private int _overlaps;

    /// <summary>How many of each content's first bytes to keep; the rest is only hashed.</summary>
    public int KeepBytes { get; init; } = int.MaxValue;

    /// <summary>An exception to throw for an entry instead of writing it (an output that broke: <see cref="ArchiveOutputException"/>).</summary>
    public Func<ArchiveEntry, Exception?> FailOn { get; init; } = _ => null;

    /// <summary>Awaited after an entry was written, inside the call (the runner's next entry waits): e.g. to remove the container at a chosen point.</summary>
    public Func<Recorded, Task>? AfterAdd { get; init; }

    /// <summary>In the order they were written.</summary>
    public List<Recorded> Entries { get; } = [];

    public List<ErrorRecord> Errors { get; } = [];

    public IEnumerable<string> Paths => Entries.Select(e => e.Entry.Path.Value);

    public IReadOnlyDictionary<EntryStatus, long> StatusCounts => _statusCounts;

    /// <summary>Calls that arrived while another was still inside.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    public SealResult? Sealed { get; private set; }

    /// <summary>The entries of one section of a container's folder ("filesystem/full"), by their path inside the container.</summary>
    public Dictionary<string, Recorded> InContainer(string section)
    {
        var found = new Dictionary<string, Recorded>(StringComparer.Ordinal);
        foreach (var e in Entries.Where(e => e.Entry.Path.Value.Contains($"/{section}/", StringComparison.Ordinal)))
        {
            found[Encoding.UTF8.GetString(e.Entry.Source.OriginalPath!)] = e;
        }
        return found;
    }

    public async ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
    {
        Enter();
        try
        {
            EnsureOpen();
            var consumed = await ContentConsumer.TakeAsync(entry.Content, entry.Status, entry.Reason, KeepBytes, FailOn(entry), cancellationToken);
            var recorded = new Recorded(entry, consumed.Kept, consumed.Sha256, consumed.BytesRead, consumed.Note, consumed.Status, consumed.Reason);
            lock (_lock)
            {
                Entries.Add(recorded);
                _statusCounts[recorded.Status] = _statusCounts.GetValueOrDefault(recorded.Status) + 1;
                if (recorded.Status is EntryStatus.Failed or EntryStatus.Missing or EntryStatus.Partial)
                {
                    KeepFailure(entry.Path.Value, $"{recorded.Status.ToString().ToLowerInvariant()}: {recorded.Reason}");
                }
            }
            if (AfterAdd is { } hook)
            {
                await hook(recorded);
            }
            return new EntryResult(entry.Path, recorded.Status, recorded.Sha256, recorded.BytesRead, recorded.Reason);
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }

    public IEvidenceSpool CreateSpool(string name)
    {
        EnsureOpen();
        return new MemoryEvidenceSpool(name);
    }

    public void RecordError(ErrorRecord error)
    {
        Enter();
        try
        {
            EnsureOpen();
            lock (_lock)
            {
                Errors.Add(error);
                KeepFailure(error.Path ?? error.Scope, error.Message);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inside);
        }
    }

    /// <summary>The real writer's verdict and counts; no archive bytes, so no hash.</summary>
    public ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken)
    {
        EnsureOpen();
        lock (_lock)
        {
            bool complete = !request.Interrupted && Errors.Count == 0 &&
                            _statusCounts.GetValueOrDefault(EntryStatus.Failed) == 0 &&
                            _statusCounts.GetValueOrDefault(EntryStatus.Missing) == 0 &&
                            _statusCounts.GetValueOrDefault(EntryStatus.Partial) == 0;
            Sealed = new SealResult(complete, Entries.Count, Errors.Count, "", 0, null, [.. _firstFailures]);
            return ValueTask.FromResult(Sealed);
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private void Enter()
    {
        if (Interlocked.Increment(ref _inside) > 1)
        {
            Interlocked.Increment(ref _overlaps);
        }
    }

    private void EnsureOpen()
    {
        if (Sealed is not null)
        {
            throw new InvalidOperationException("the archive is sealed");
        }
    }

    private void KeepFailure(string where, string why)
    {
        if (_firstFailures.Count < FailuresKept)
        {
            _firstFailures.Add($"{where}: {why}");
        }
    }

    /// <summary>One entry as the archive would hold it.</summary>
    /// <param name="Bytes">The first <see cref="KeepBytes"/> bytes of its content; null when it had none.</param>
    /// <param name="Status">The collector's status made worse by what the read saw.</param>
    public sealed record Recorded(ArchiveEntry Entry, byte[]? Bytes, string? Sha256, long BytesRead, ContentReadNote? Note, EntryStatus Status, string? Reason);
}
