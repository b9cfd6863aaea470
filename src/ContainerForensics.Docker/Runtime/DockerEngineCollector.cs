using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// Engine-wide evidence of a Docker or Podman daemon (runtimes/&lt;name&gt;/metadata/), each
/// piece its own failure boundary: version.json, info.json, events.jsonl, networks.json,
/// volumes.json, images.json, df.json. Every JSON answer is kept byte-exact.
/// </summary>
/// <remarks>
/// Events come right after info because the daemon forgets them (Docker keeps only the last 256
/// in memory, seen on the rig's 20.10; Podman's file log is rotated). Disk usage is deferred
/// (<see cref="IEvidenceSink.DeferAsync"/>): the daemon walks every writable layer to size it,
/// the slowest call here, and its entry is written when the answer comes.
/// <para>How Podman 4.3.1's compat API differs (checked on the rig):</para>
/// <list type="bullet">
/// <item><c>/events</c>: with the file event logger an <c>until</c> in the past returns no event
/// at all, so Podman is asked <c>since=..&amp;stream=false</c> (read the log to its end) instead
/// of <c>since=..&amp;until=now</c>; the events of both engines are one JSON object per line
/// in the same shape, Podman's not strictly in time order.</item>
/// <item><c>/networks</c>: the default network is listed as "bridge" (its CLI says "podman").</item>
/// <item><c>/volumes</c>: <c>Warnings</c> is <c>[]</c> where Docker writes <c>null</c>.</item>
/// <item><c>/images/json</c>: extra <c>Names</c>, <c>Digest</c>, <c>History</c>; tags carry <c>localhost/</c>.</item>
/// <item><c>/system/df</c>: image ids without <c>sha256:</c>, <c>RepoTags</c> with the tag only
/// ("latest"), empty labels, <c>LayersSize</c> 0. Kept as sent: it is what the daemon said.</item>
/// </list>
/// </remarks>
internal sealed class DockerEngineCollector(DockerClient client)
{
    /// <summary>When the options name no start (a caller that is not the CLI), as documented on <see cref="CollectionOptions.EventsSince"/>.</summary>
    internal static readonly TimeSpan DefaultEventsWindow = TimeSpan.FromHours(24);

    public async Task CollectAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        // The /version answer the runtime was negotiated with, byte-exact and stamped with when it came.
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, "version.json", client.ServerVersion.Raw, cancellationToken).ConfigureAwait(false);
        DockerJson? info = null;
        try
        {
            info = await client.System.InfoRawAsync(cancellationToken).ConfigureAwait(false);
            await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, "info.json", info, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerException ex)
        {
            sink.RecordError("info.json not collected", ex);
        }
        await EventsAsync(sink, options, info, cancellationToken).ConfigureAwait(false);
        await JsonAsync(sink, "networks.json", () => client.Networks.ListRawAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        await JsonAsync(sink, "volumes.json", () => client.Volumes.ListRawAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
        await JsonAsync(sink, "images.json", () => client.Images.ListRawAsync(all: true, cancellationToken), cancellationToken).ConfigureAwait(false);
        // Deferred: the daemon walks every writable layer (0.65 s for the bench's few 1 GiB
        // containers; minutes on a host with hundreds), and nothing else needs to wait for it.
        await sink.DeferAsync("df.json", (deferred, ct) => JsonAsync(deferred, "df.json", () => DiskUsageAsync(ct), ct), cancellationToken).ConfigureAwait(false);
        if (client.Libpod is { } libpod)
        {
            // Podman-only facts the compat API leaves out: pods, and which container is each pod's infra container.
            await JsonAsync(sink, "pods.json", () => libpod.ListPodsRawAsync(cancellationToken), cancellationToken).ConfigureAwait(false);
            await JsonAsync(sink, "libpod-containers.json", () => libpod.ListContainersRawAsync(all: true, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// events.jsonl: streamed from the daemon into the sink (which spools it), never held whole.
    /// A stream cut midway keeps what arrived and is marked partial by the content.
    /// </summary>
    /// <remarks>
    /// The daemon stamps and filters events with its own clock, so the window [since, now] of
    /// ours is shifted by how far the daemon's clock is off (from its /info SystemTime): Docker
    /// holds an <c>until</c> in its future open until its clock gets there, and a daemon that
    /// runs behind (a remote engine, a tampered clock) would otherwise leave the stream silent
    /// until the call budget cuts it. The query as sent is the entry's source description.
    /// </remarks>
    private async Task EventsAsync(IEvidenceSink sink, CollectionOptions options, DockerJson? info, CancellationToken cancellationToken)
    {
        var now = client.System.Clock.GetUtcNow();
        var skew = DaemonNow(info, now) - now;
        var since = (options.EventsSince ?? now - DefaultEventsWindow) + skew;
        string call;
        Stream body;
        try
        {
            if (client.ServerVersion.IsPodman)
            {
                call = client.System.LoggedEventsCall(since);
                body = await client.System.LoggedEventsAsync(since, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                var until = now + skew;
                call = client.System.EventsCall(since, until);
                body = await client.System.EventsAsync(since, until, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (DockerException ex)
        {
            sink.RecordError("events.jsonl not collected", ex);
            return;
        }
        await DockerEvidence.AddStreamAsync(sink, EvidenceSection.Metadata, "events.jsonl", body, call, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>"Now" on the daemon's clock: its /info SystemTime plus the time since that answer came; ours when /info gave no time.</summary>
    private static DateTimeOffset DaemonNow(DockerJson? info, DateTimeOffset now)
    {
        if (info is not null && Json.Time(info.Root, "SystemTime") is { } systemTime)
        {
            var elapsed = now - info.ReceivedAt.ToDateTimeOffset();
            return systemTime + (elapsed > TimeSpan.Zero ? elapsed : TimeSpan.Zero);
        }
        return now;
    }

    /// <summary>
    /// dockerd runs one disk-usage computation at a time and answers 409 "a disk usage operation
    /// is already running" (500 in 20.10, 409 later) to a second caller (another tool, another cfir): wait for it and ask
    /// again, a few times, before recording the failure.
    /// </summary>
    private async Task<DockerJson> DiskUsageAsync(CancellationToken cancellationToken)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return await client.System.DiskUsageRawAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DockerApiException ex) when (attempt < 5 && ex.StatusCode is System.Net.HttpStatusCode.Conflict or System.Net.HttpStatusCode.InternalServerError
                && ex.Message.Contains("disk usage operation is already running", StringComparison.Ordinal))
            {
                await Task.Delay(TimeSpan.FromSeconds(attempt), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task JsonAsync(IEvidenceSink sink, string name, Func<Task<DockerJson>> call, CancellationToken cancellationToken)
    {
        DockerJson json;
        try
        {
            json = await call().ConfigureAwait(false);
        }
        catch (DockerException ex)
        {
            sink.RecordError($"{name} not collected", ex);
            return;
        }
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, name, json, cancellationToken).ConfigureAwait(false);
    }
}
