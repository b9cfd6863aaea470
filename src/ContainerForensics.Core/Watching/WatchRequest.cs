using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host;

namespace ContainerForensics.Core.Watching;

/// <summary>Everything a watch needs, made once at its start: what discovery found, the host, the options, and how to open an archive.</summary>
public sealed record WatchRequest
{
    public required DiscoveryResult Discovery { get; init; }

    /// <summary>Who runs the watch and with what; each archive's record gets it with its own output.</summary>
    public required AcquisitionInfo Info { get; init; }

    public required HostFacts Host { get; init; }

    public required CollectionOptions Options { get; init; }

    public required WatchSettings Settings { get; init; }

    /// <summary>Examiner, case, note, host, command line: each seal's CASE/UCO provenance.</summary>
    public IReadOnlyDictionary<string, string?> Provenance { get; init; } = new Dictionary<string, string?>();

    /// <summary>The signal that stopped the watch, asked only when one did.</summary>
    public Func<string?>? InterruptedBy { get; init; }

    /// <summary>Opens a new archive at this full path (never over an existing file).</summary>
    public required Func<string, IArchiveWriter> OpenArchive { get; init; }

    /// <summary>The runtime-agnostic collectors for one archive: new ones each time, since they remember what their archive holds.</summary>
    public required Func<IReadOnlyList<IContainerEvidenceCollector>> Collectors { get; init; }

    /// <summary>A log for one trigger's collection.</summary>
    public required Func<ITriggerLog> OpenTriggerLog { get; init; }
}
