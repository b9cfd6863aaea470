using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;

namespace ContainerForensics.Core.Collection;

/// <summary>What one acquisition is about: who and why, the host, what discovery found, what to collect.</summary>
public sealed record AcquisitionRequest
{
    public required AcquisitionInfo Info { get; init; }

    public required HostFacts Host { get; init; }

    public required DiscoveryResult Discovery { get; init; }

    public required CollectionOptions Options { get; init; }

    public required UnixTime StartedAt { get; init; }

    /// <summary>Examiner, case, note, host, command line: the seal's CASE/UCO provenance.</summary>
    public IReadOnlyDictionary<string, string?> Provenance { get; init; } = new Dictionary<string, string?>();

    /// <summary>The signal that interrupted the run, asked only when it was interrupted.</summary>
    public Func<string?>? InterruptedBy { get; init; }

    /// <summary>What set this acquisition off (watch mode); null for a collection run by hand.</summary>
    public AcquisitionTrigger? Trigger { get; init; }

    /// <summary>The front end's log of the run as an entry, taken after the collection, just before the seal.</summary>
    public Func<ArchiveEntry>? AcquisitionLog { get; init; }
}
