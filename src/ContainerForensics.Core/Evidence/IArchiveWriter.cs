using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Evidence;

/// <summary>
/// The evidence archive as the core sees it: append entries, record failures that have no
/// entry, then seal. Implemented in ContainerForensics.Evidence, which knows tar, gzip and zip
/// and nothing of containers. Entries are written in the order they are added; the writer is
/// not thread-safe, so callers add from one task at a time (the runner wraps it in a
/// <see cref="SerializedEntryWriter"/> when it collects several containers at once).
/// </summary>
public interface IArchiveWriter : IEntryWriter, IAsyncDisposable
{
    /// <summary>Writes manifest, errors, SHA256SUMS, provenance and the seal, then closes the output.</summary>
    ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken);
}

/// <summary>A failure recorded in the archive's errors list.</summary>
public sealed record ErrorRecord
{
    public required string Scope { get; init; }

    public required string Message { get; init; }

    public string? Path { get; init; }

    public string? Runtime { get; init; }

    public string? ContainerId { get; init; }

    /// <summary>For a failure about a nested runtime or its containers: the container it runs in, and the chain above.</summary>
    public NestingLink? NestedIn { get; init; }

    public int? Errno { get; init; }

    public string? ExceptionType { get; init; }

    public UnixTime? At { get; init; }
}

/// <summary>What the caller knows at the end of a run and the seal records.</summary>
public sealed record SealRequest
{
    /// <summary>Interrupted, or anything failed: the archive is sealed partial.</summary>
    public bool Interrupted { get; init; }

    public string? InterruptionReason { get; init; }

    /// <summary>Extra facts about the run for the provenance record (performer, case, ...).</summary>
    public IReadOnlyDictionary<string, string?> Provenance { get; init; } = new Dictionary<string, string?>();
}

/// <summary>What sealing produced: counts, the completeness verdict and the hash of the archive's bytes as written.</summary>
/// <param name="FirstFailures">The first few failures, in the order they were recorded, each "where: why", for the run's last words on stderr.</param>
/// <param name="SignedBy">The key that signed the seal (SEAL.sig), as its signer names it; null when unsigned.</param>
/// <param name="SigningFailure">Why a seal that was to be signed is not: the archive is sealed, without SEAL.sig.</param>
public sealed record SealResult(bool Complete, long EntryCount, long ErrorCount, string ArchiveSha256, long ArchiveBytes, string? FinalPath,
    IReadOnlyList<string> FirstFailures, string? SignedBy = null, string? SigningFailure = null);
