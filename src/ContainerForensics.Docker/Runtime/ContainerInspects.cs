using System.Collections.Concurrent;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// Where the logs and filesystem phases get a container's inspect document: asked afresh each
/// time (the state may have changed), except while the daemon diffs that container's writable
/// layer.
/// <para>
/// WHY: Docker holds a container's lock for the whole of a <c>/changes</c> diff (moby
/// <c>daemon/changes.go</c>, <c>ContainerChanges</c>), and an inspect of that container waits
/// for it: 0.6 s on the rig for the bench's 1 GiB container, minutes for a large one on a slow
/// disk. The diff is deferred (<see cref="DockerChangesCollector"/>), so while it runs a later
/// phase takes the last document this run got for the container instead of waiting. The fields
/// the phases read (graph driver, mounts, log path, TTY) are fixed when the container is
/// created; the state is the one that may be seconds older.
/// </para>
/// </summary>
internal sealed class ContainerInspects(DockerClient client)
{
    /// <summary>
    /// The documents kept for <see cref="Diffing"/>, newest last. A diff starts right after its
    /// container's logs phase inspected it, so only recent documents are ever asked for; the cap
    /// keeps a runtime that lives for hours of watch mode from keeping every container it saw.
    /// </summary>
    internal const int MaxKept = 256;

    private readonly ConcurrentDictionary<string, ContainerInspect> _latest = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _order = new();
    private readonly ConcurrentDictionary<string, ContainerInspect> _diffing = new(StringComparer.Ordinal);

    /// <summary>From now until the returned handle is disposed the daemon may be diffing this container.</summary>
    public IDisposable Diffing(string containerId)
    {
        if (_latest.TryGetValue(containerId, out var latest))
        {
            _diffing[containerId] = latest;
        }
        return new DiffEnds(_diffing, containerId);
    }

    /// <summary>The last document while a diff of the container runs, a fresh one otherwise; a 404 is <see cref="ContainerGoneException"/>.</summary>
    public async Task<ContainerInspect> CurrentAsync(ContainerInfo container, CancellationToken cancellationToken)
    {
        if (_diffing.TryGetValue(container.Id, out var during))
        {
            return during;
        }
        var inspect = await DockerEvidence.AboutContainerAsync(container, () => client.Containers.InspectAsync(container.Id, cancellationToken)).ConfigureAwait(false);
        if (_latest.TryAdd(container.Id, inspect))
        {
            _order.Enqueue(container.Id);
            while (_latest.Count > MaxKept && _order.TryDequeue(out var oldest))
            {
                _latest.TryRemove(oldest, out _);
            }
        }
        else
        {
            _latest[container.Id] = inspect;
        }
        return inspect;
    }

    private sealed class DiffEnds(ConcurrentDictionary<string, ContainerInspect> diffing, string containerId) : IDisposable
    {
        public void Dispose() => diffing.TryRemove(containerId, out _);
    }
}
