using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// The writable layer through the API, for Docker: <c>GET /containers/{id}/changes</c> lists the
/// paths, <c>GET /containers/{id}/archive?path=</c> fetches each added or modified one (Docker
/// archives a final symlink as the link itself). For a modified directory only its own entry is
/// taken (its unchanged children are the image's); an added directory comes with its subtree,
/// and the later /changes lines below it are already covered. A deleted path is a whiteout.
/// <para>
/// /archive reads through the container's mounts: an added mount point (Docker lists the
/// directories it creates for volumes and binds) would bring the volume's or the host's files
/// along. Only the mount point itself is taken; nothing below a mount point is.
/// </para>
/// <para>
/// Each call costs the daemon a mount and a tar: 50–110 ms on Docker 20.10 (measured on the
/// rig), so the planner uses this source only for a handful of paths (<see cref="Plan"/>).
/// </para>
/// </summary>
internal sealed class ArchiveChangesSource(
    DockerClient client, string containerId, IReadOnlyList<ContainerChange> changes, IReadOnlyList<byte[]> mountPoints, CaptureLimits limits) : IFilesystemSource
{
    /// <summary>One step: a whiteout, or one /archive call (with the subtree for an added directory).</summary>
    internal readonly record struct Step(ContainerChange Change, byte[] Path, bool Subtree);

    public string Name => "engine API: /changes + /archive";

    public string Path => client.ContainerFiles.ChangesCall(containerId) + ", then " + client.ContainerFiles.ArchiveCall(containerId, "<path>") + " per path";

    /// <summary>
    /// The steps for a /changes list (sorted, parents first): paths below an added directory
    /// come with it, paths below a mount point are not the layer's.
    /// </summary>
    public static List<Step> Plan(IReadOnlyList<ContainerChange> changes, IReadOnlyList<byte[]> mountPoints)
    {
        var steps = new List<Step>();
        var added = new List<byte[]>();
        foreach (var change in changes)
        {
            byte[] path = ContainerPath.FromApi(change.Path);
            if (added.Any(dir => ContainerPath.IsBelow(path, dir)) || mountPoints.Any(m => ContainerPath.IsBelow(path, m)))
            {
                continue;
            }
            bool subtree = change.Kind == ChangeKind.Added && !mountPoints.Any(m => m.AsSpan().SequenceEqual(path));
            steps.Add(new Step(change, path, subtree));
            if (subtree)
            {
                added.Add(path);
            }
        }
        return steps;
    }

    public async Task<SourceResult> CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string changesCall = client.ContainerFiles.ChangesCall(containerId);
        var probe = new ContainerProbe(client, containerId);
        int items = 0;
        foreach (var (change, path, subtree) in Plan(changes, mountPoints))
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (change.Kind == ChangeKind.Deleted)
            {
                await sink.AddAsync(ChangeRecords.Whiteout(path, changesCall), cancellationToken).ConfigureAwait(false);
                items++;
                continue;
            }
            string call = client.ContainerFiles.ArchiveCall(containerId, change.Path);
            Stream tar;
            try
            {
                tar = await client.ContainerFiles.ArchiveAsync(containerId, change.Path, cancellationToken).ConfigureAwait(false);
            }
            catch (DockerNotFoundException ex)
            {
                if (!await probe.ExistsAsync(cancellationToken).ConfigureAwait(false))
                {
                    return new SourceResult(items, $"{call}: the container is gone", ex);
                }
                await sink.AddAsync(ChangeRecords.Missing(path, call, $"listed by /changes as {Describe(change.Kind)}, gone when it was fetched: {ex.DaemonMessage}"), cancellationToken).ConfigureAwait(false);
                items++;
                continue;
            }
            catch (DockerApiException ex)
            {
                await sink.AddAsync(ChangeRecords.Failed(path, call, ex.Detail), cancellationToken).ConfigureAwait(false);
                items++;
                continue;
            }

            byte[] parent = ContainerPath.Parent(path);
            SourceResult result;
            await using (tar.ConfigureAwait(false))
            {
                var collector = new TarStreamCollector
                {
                    Section = EvidenceSection.FilesystemChanged,
                    Limits = limits,
                    Description = call,
                    // The first entry is the path asked for, under its base name; the rest lie below it.
                    MapName = (relative, index) => index == 0 ? path : ContainerPath.Join(parent, relative),
                    MaxEntries = subtree ? int.MaxValue : 1,
                    Include = raw => !mountPoints.Any(m => ContainerPath.IsBelow(raw, m)),
                };
                result = await collector.CollectAsync(tar, sink, cancellationToken).ConfigureAwait(false);
            }
            items += result.Items;
            if (result.Broken)
            {
                if (!await probe.ExistsAsync(cancellationToken).ConfigureAwait(false))
                {
                    return result with { Items = items };
                }
                // One path's stream broke, the container is still there: say so and go on with the next.
                sink.RecordError(result.Failure!, result.Cause, result.Errno, change.Path);
            }
        }
        return new SourceResult(items);
    }

    internal static string Describe(ChangeKind kind) => kind.ToString().ToLowerInvariant();

    public void Dispose()
    {
    }
}
