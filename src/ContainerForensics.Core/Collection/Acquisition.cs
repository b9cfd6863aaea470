using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using Serilog;
using Serilog.Events;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// The acquisition flow every front end shares (collect now, watch and the later ones): from
/// what discovery found to a sealed archive. Opens the archive only when a runtime answered,
/// turns endpoints that were asked for and did not answer into error records, runs the
/// collection (which makes discovery's pending descent beside the volatile phase and writes the
/// acquisition record once discovery is complete, after the volatile evidence of every level),
/// adds the acquisition log last and seals — whatever the collection did, short of a broken
/// output. The front end parses, opens the output and reports; it decides nothing here.
/// </summary>
public sealed class Acquisition(TimeProvider clock, ILogger log, ICollectionProgress progress, IReadOnlyList<IContainerEvidenceCollector> collectors)
{
    public async Task<AcquisitionResult> RunAsync(AcquisitionRequest request, Func<IArchiveWriter> openArchive, CancellationToken cancellationToken)
    {
        var discovery = request.Discovery;
        if (discovery.Runtimes.Count == 0)
        {
            throw new CfirException(ExitCode.NoRuntime, "no container runtime answered; nothing was collected");
        }

        var clockAt = ClockReading.Now(clock);
        await using var writer = openArchive();
        RecordUnanswered(discovery, writer);

        // Written by the runner once discovery is complete: the descent into containers runs beside the volatile phase.
        ArchiveEntry Record(DiscoveryResult complete) => new()
        {
            Path = EvidenceLayout.AcquisitionRecord,
            Source = new EvidenceSource { Description = "acquisition record written by cfir" },
            Content = EvidenceContent.FromBytes(AcquisitionRecord.Build(request.Info, request.Host, complete, request.Options, request.StartedAt, clockAt)),
            CollectedAt = request.StartedAt,
        };
        var result = await new CollectionRunner(clock, log, progress, collectors).RunAsync(discovery, Record, request.Options, writer, cancellationToken).ConfigureAwait(false);
        return await CloseAsync(writer, request, result, LogEventLevel.Information).ConfigureAwait(false);
    }

    /// <summary>
    /// One container into its own archive, through the phases of <paramref name="plan"/> (watch
    /// mode, when an event about it arrives): the same record, log and seal as a batch run. The
    /// discovery the request carries is the watch's, made once at its start (complete: a watch
    /// waits for its descent); endpoints that did not answer then are in the record's runtimes,
    /// not failures of this archive. The record goes in first, then the event's own bytes.
    /// </summary>
    /// <param name="hooks">What the scheduler is told between the phases and when they are over; the deferred answers and the seal come after.</param>
    public async Task<AcquisitionResult> RunContainerAsync(AcquisitionRequest request, IContainerRuntime runtime, ContainerInfo container, ContainerPlan plan,
        Func<IArchiveWriter> openArchive, CancellationToken cancellationToken, ContainerRunHooks? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(openArchive);
        var clockAt = ClockReading.Now(clock);
        await using var writer = openArchive();
        await writer.AddAsync(new ArchiveEntry
        {
            Path = EvidenceLayout.AcquisitionRecord,
            Source = new EvidenceSource { Description = "acquisition record written by cfir" },
            Content = EvidenceContent.FromBytes(AcquisitionRecord.Build(request.Info, request.Host, request.Discovery, request.Options, request.StartedAt, clockAt, request.Trigger)),
            CollectedAt = request.StartedAt,
        }, CancellationToken.None).ConfigureAwait(false);
        if (request.Trigger is { } trigger)
        {
            await writer.AddAsync(new ArchiveEntry
            {
                Path = trigger.EventEntry,
                Source = new EvidenceSource
                {
                    Description = $"the event that triggered this acquisition, as {trigger.Runtime} at {trigger.Endpoint} sent it ({trigger.EventFormat})",
                    Runtime = trigger.Runtime,
                    ContainerId = trigger.ContainerId,
                },
                Content = EvidenceContent.FromBytes(trigger.EventBytes.ToArray()),
                CollectedAt = trigger.ReceivedAt,
            }, CancellationToken.None).ConfigureAwait(false);
        }
        var result = await new CollectionRunner(clock, log, progress, collectors).RunContainerAsync(runtime, container, plan, request.Options, writer, cancellationToken, hooks).ConfigureAwait(false);
        return await CloseAsync(writer, request, result, LogEventLevel.Debug).ConfigureAwait(false);
    }

    /// <summary>The acquisition log, then the seal, whatever the collection did: an unsealed archive proves nothing.</summary>
    /// <param name="finishedLevel">How loud "collection finished" is: a line for people after a run, a detail of the archive's own log in watch mode, which reports each archive itself.</param>
    private async Task<AcquisitionResult> CloseAsync(IArchiveWriter writer, AcquisitionRequest request, CollectionResult result, LogEventLevel finishedLevel)
    {
        // The acquisition log goes in last, just before the manifest, so it holds the whole run.
        log.Write(finishedLevel, "collection finished: {Containers} container(s), {Failures} failure(s){Interrupted:l}",
            result.Containers.Count, result.Failures, result.Interrupted ? ", interrupted" : "");
        if (request.AcquisitionLog is { } closingLog)
        {
            await writer.AddAsync(closingLog(), CancellationToken.None).ConfigureAwait(false);
        }
        var seal = await writer.SealAsync(new SealRequest
        {
            Interrupted = result.Interrupted,
            InterruptionReason = result.Interrupted ? $"interrupted by {request.InterruptedBy?.Invoke() ?? "cancellation"}" : null,
            Provenance = request.Provenance,
        }, CancellationToken.None).ConfigureAwait(false);
        var code = result.Interrupted ? ExitCode.Interrupted : seal.Complete ? ExitCode.Complete : ExitCode.Partial;
        return new AcquisitionResult(result, seal, code);
    }

    /// <summary>
    /// An endpoint the responder named (--docker-host, --containerd-address) that did not answer
    /// is a failure of this run, even when another endpoint of that runtime did; so is a runtime
    /// asked for by name that did not answer at all. Candidates that simply do not exist on this
    /// host are only notes in the acquisition record.
    /// </summary>
    private void RecordUnanswered(DiscoveryResult discovery, IArchiveWriter writer)
    {
        foreach (var dead in discovery.Probes.Where(p => p.Requested && p.Runtime is null))
        {
            writer.RecordError(new ErrorRecord { Scope = "discovery", Runtime = dead.Name, Message = $"the requested endpoint {dead.Endpoint} did not answer: {dead.Reason}" });
            log.Warning("requested endpoint {Endpoint} did not answer: {Reason}", dead.Endpoint, dead.Reason);
        }
        // Runtimes looked for inside containers were not asked for by name: their silence is in the acquisition record's descents.
        foreach (var missing in discovery.Probes.Where(p => p.Nesting is null).GroupBy(p => p.Name).Where(g => discovery.ExplicitRequest && g.All(p => p.Runtime is null)))
        {
            writer.RecordError(new ErrorRecord
            {
                Scope = "discovery",
                Runtime = missing.Key,
                Message = $"{missing.Key} was requested but did not answer: " + string.Join("; ", missing.Select(p => $"{p.Endpoint}: {p.Reason}")),
            });
        }
    }
}
