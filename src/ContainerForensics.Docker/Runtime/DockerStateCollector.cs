using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// Volatile phase: what the daemon says runs in the container now, for running and paused
/// containers (a stopped one has nothing here): top.json (the process list) and stats.json
/// (one resource sample, running containers only, written when it comes: see
/// <see cref="StatsAsync"/>). Nothing is executed inside the container.
/// </summary>
/// <remarks>
/// Checked on the rig (Docker 20.10, Podman 4.3.1):
/// <list type="bullet">
/// <item>Docker lists the processes of a paused container too, with the host's <c>ps -ef</c>
/// (host pids). Podman is asked for <see cref="PodmanPsDescriptors"/> because with its default
/// it execs <c>ps</c> inside the container; its pids are the container's (plus HPID, the
/// host's). For a paused container it answers 200 with no body: recorded as a failed top.json
/// saying so.</item>
/// <item>stats of a paused container: neither engine hangs (one-shot answers at once), but a
/// sample of a frozen container is not what this phase is for: stats.json is recorded as
/// skipped with the reason.</item>
/// </list>
/// </remarks>
internal sealed class DockerStateCollector(DockerClient client, DockerStatsSampler? sampler = null)
{
    /// <summary>
    /// psgo descriptors (the columns of <c>podman top</c>), every one known to Podman 4.3.1:
    /// one unknown word would make Podman exec <c>ps</c> inside the container instead.
    /// </summary>
    internal const string PodmanPsDescriptors = "user,pid,ppid,hpid,huser,group,hgroup,pcpu,etime,stime,tty,time,state,capeff,seccomp,args";

    /// <summary><c>one-shot</c> came with API 1.41.</summary>
    private static readonly DockerApiVersion OneShotSince = new(1, 41);

    public async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        _ = options;
        bool paused = container.State == "paused";
        if (container.State != "running" && !paused)
        {
            return;
        }
        await TopAsync(container, paused, sink, cancellationToken).ConfigureAwait(false);
        if (paused)
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Volatile,
                Name = "stats.json",
                Status = EntryStatus.Skipped,
                Reason = "the container is paused: stats are sampled of running containers only",
                Source = new EvidenceSource { Description = client.State.StatsCall(container.Id, OneShot) },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        await StatsAsync(container, sink, cancellationToken).ConfigureAwait(false);
    }

    private bool OneShot => SupportsOneShot(client);

    /// <summary>Whether the daemon's API knows <c>one-shot</c> (see <see cref="ContainerStateApi.StatsRawAsync"/>).</summary>
    internal static bool SupportsOneShot(DockerClient client) => client.ApiVersion is { } v && v >= OneShotSince;

    /// <summary>stats.json is sampled of running containers only (a paused one gets a skipped entry).</summary>
    internal static bool IsSampled(ContainerInfo container) => container.State == "running";

    private async Task TopAsync(ContainerInfo container, bool paused, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        bool podman = client.ServerVersion.IsPodman;
        string? psArgs = podman ? PodmanPsDescriptors : null;
        DockerJson top;
        try
        {
            top = await DockerEvidence.AboutContainerAsync(container, () => client.State.TopRawAsync(container.Id, psArgs, cancellationToken)).ConfigureAwait(false);
        }
        catch (DockerProtocolException ex) when (podman)
        {
            // Podman 4.3 answers 200 with an empty body for a paused (or meanwhile stopped) container.
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Volatile,
                Name = "top.json",
                Status = EntryStatus.Failed,
                Reason = (paused ? "Podman lists no processes of a paused container" : "Podman gave no process list") + ": " + ex.Detail,
                Source = new EvidenceSource { Description = ex.Call },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (DockerException ex)
        {
            sink.RecordError("top.json not collected", ex);
            return;
        }
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Volatile, "top.json", top, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// stats.json is deferred: the sample comes with the daemon's next collector pass (up to a
    /// second), and the rest of this container's volatile evidence, and the next container's,
    /// need not wait for it. Its collectedAt is when the sample came.
    /// </summary>
    private Task StatsAsync(ContainerInfo container, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        // Started with every other container's when the phase began, if it was (one daemon pass for all).
        var started = sampler?.Take(container.Id);
        return sink.DeferAsync("stats.json", (deferred, ct) => WriteStatsAsync(container, started, deferred, ct), cancellationToken);
    }

    private async Task WriteStatsAsync(ContainerInfo container, Task<DockerJson>? started, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        DockerJson stats;
        try
        {
            stats = await DockerEvidence.AboutContainerAsync(container, () => started ?? client.State.StatsRawAsync(container.Id, OneShot, cancellationToken)).ConfigureAwait(false);
        }
        catch (DockerException ex)
        {
            sink.RecordError("stats.json not collected", ex);
            return;
        }
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Volatile, "stats.json", stats, cancellationToken).ConfigureAwait(false);
    }
}
