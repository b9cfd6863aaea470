using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// <c>metadata/changes.json</c>: the daemon's diff of the writable layer against the image
/// (<c>docker diff</c>), asked at the end of the container's logs phase and written as deferred
/// evidence (<see cref="IEvidenceSink.DeferAsync"/>) when it comes.
/// </summary>
/// <remarks>
/// WHY this late, and not awaited: the diff is the slowest per-container call. On overlay2
/// without native diff (the rig's kernel) the daemon walks both trees, 0.9 s for the bench's
/// 1 GiB image, and it holds the container's lock the whole time (moby
/// <c>daemon/changes.go</c>), so inspect and <c>/logs</c> of that container wait for it. Asked
/// after the last call of the container that takes that lock (its logs), it runs while other
/// containers' logs, or this container's filesystem from the host, are collected; the filesystem
/// phase reads the inspect document it needs from <see cref="ContainerInspects"/> meanwhile.
/// At most <c>slots</c> diffs run at once (as many as <c>--parallel</c> containers), so a host of
/// many containers does not get them all at the same moment.
/// <para>Podman 4.3.1 answers <c>/changes</c> of a container that no longer exists with 500
/// "layer not known" instead of 404, so a failed diff asks inspect whether the container is still
/// there. Its changes list <c>/etc</c> as modified (the engine writes hosts and resolv.conf there).</para>
/// </remarks>
internal sealed class DockerChangesCollector(DockerClient client, SemaphoreSlim slots, ContainerInspects inspects)
{
    /// <summary>Starts the diff in the background (or runs it here, for a sink that cannot defer).</summary>
    public Task DeferAsync(ContainerInfo container, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var diffing = inspects.Diffing(container.Id);
        return sink.DeferAsync("changes.json", async (deferred, ct) =>
        {
            using (diffing)
            {
                await CollectAsync(container, deferred, ct).ConfigureAwait(false);
            }
        }, cancellationToken);
    }

    /// <summary>
    /// The writable layer's paths, Kind 0 modified, 1 added, 2 deleted; raw (Docker sends
    /// <c>null</c> for none). Streamed into the archive, never held whole: its size grows with
    /// the layer's file count.
    /// </summary>
    private async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        Stream body;
        await slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // The daemon sends the headers once the diff is done, so the slot covers the diff.
            body = await DockerEvidence.AboutContainerAsync(container, () => client.ContainerFiles.ChangesStreamAsync(container.Id, cancellationToken)).ConfigureAwait(false);
        }
        catch (DockerException ex)
        {
            // Podman says 500 "layer not known" for a container that is gone: ask before blaming the call.
            await DockerEvidence.AboutContainerAsync(container, () => StillThereAsync(container, cancellationToken)).ConfigureAwait(false);
            sink.RecordError("changes.json not collected", ex);
            return;
        }
        finally
        {
            slots.Release();
        }
        await DockerEvidence.AddStreamAsync(sink, EvidenceSection.Metadata, "changes.json", body, client.ContainerFiles.ChangesCall(container.Id), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Inspect again: throws <see cref="DockerNotFoundException"/> when the container is gone; any other failure says nothing.</summary>
    private async Task<bool> StillThereAsync(ContainerInfo container, CancellationToken cancellationToken)
    {
        try
        {
            await client.Containers.InspectRawAsync(container.Id, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (DockerException ex) when (ex is not DockerNotFoundException)
        {
            return false;
        }
    }
}
