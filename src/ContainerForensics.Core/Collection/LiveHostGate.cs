using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// Keeps collectors that read this host's state (<see cref="IContainerEvidenceCollector.NeedsLiveHost"/>)
/// away from runtimes that do not run here (<see cref="RuntimeLocality"/>), as acquire keeps its
/// local-only modules off remote targets: the collector is not run, and a <c>skipped</c> entry
/// says what was not collected and why. A skip is no failure: the evidence does not exist on
/// this host, and the run stays complete.
/// </summary>
public static class LiveHostGate
{
    /// <summary>Records the skip and returns true when <paramref name="collector"/> must not run for <paramref name="runtime"/>.</summary>
    public static async Task<bool> SkippedAsync(IContainerEvidenceCollector collector, IContainerRuntime runtime, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(collector);
        ArgumentNullException.ThrowIfNull(runtime);
        ArgumentNullException.ThrowIfNull(sink);
        var locality = runtime.Descriptor.Locality;
        if (!collector.NeedsLiveHost || locality.HasLiveProcesses)
        {
            return false;
        }
        await sink.AddAsync(new EvidenceItem
        {
            Section = collector.Phase switch
            {
                CollectionPhase.Volatile => EvidenceSection.Volatile,
                CollectionPhase.Logs => EvidenceSection.Logs,
                _ => EvidenceSection.Metadata,
            },
            Name = RecordName(collector),
            Status = EntryStatus.Skipped,
            Reason = $"{collector.Name} not collected: {runtime.Descriptor} is {locality.Describe()} ({locality.Why})",
            Source = new EvidenceSource { Description = "cfir: the runtime's locality, decided at discovery" },
        }, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>"host process evidence" → "host-process-evidence": the entry that stands for what the collector would have written.</summary>
    public static string RecordName(IContainerEvidenceCollector collector) =>
        string.Join('-', collector.Name.Split(' ', StringSplitOptions.RemoveEmptyEntries));
}
