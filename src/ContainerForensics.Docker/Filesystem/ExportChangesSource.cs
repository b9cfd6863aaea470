using ContainerForensics.Core.FileSystem.Trees;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// The writable layer through the API: <c>/changes</c> lists the paths, and the added and
/// modified ones are picked out of one <c>/export</c> stream, which never follows a link. For
/// Podman always: its <c>/archive</c> follows a final symlink and archives the target under the
/// link's name (checked on 4.3.1, compat and libpod endpoints alike), and the stat header that
/// would reveal it is not available to us. For Docker when there are too many paths for one
/// /archive call each. Costs one read of the whole filesystem, streamed.
/// <para>
/// A hard link in the export whose first name is not among the changes (a new name for a file
/// of the image) has no content of its own in the stream; it is fetched afterwards with
/// <c>/archive</c>, which is safe for it: the export showed it is no symlink. Paths below the
/// container's mount points are not the writable layer's and are left out.
/// </para>
/// </summary>
internal sealed class ExportChangesSource(
    DockerClient client, string containerId, IReadOnlyList<ContainerChange> changes, IReadOnlyList<byte[]> mountPoints, CaptureLimits limits) : IFilesystemSource
{
    public string Name => "engine API: /changes + filtered /export";

    public string Path => client.ContainerFiles.ChangesCall(containerId) + ", then " + client.ContainerFiles.ExportCall(containerId);

    public async Task<SourceResult> CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string changesCall = client.ContainerFiles.ChangesCall(containerId);
        var wanted = new Dictionary<string, ChangeKind>(StringComparer.Ordinal);
        var added = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in changes.Where(c => c.Kind != ChangeKind.Deleted && !mountPoints.Any(m => ContainerPath.IsBelow(ContainerPath.FromApi(c.Path), m))))
        {
            wanted[c.Path] = c.Kind;
            if (c.Kind == ChangeKind.Added)
            {
                added.Add(c.Path);
            }
        }
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var deferred = new List<byte[]>();
        var result = new SourceResult(0);
        if (wanted.Count > 0)
        {
            await using var tar = await client.ContainerFiles.ExportAsync(containerId, cancellationToken).ConfigureAwait(false);
            var collector = new TarStreamCollector
            {
                Section = EvidenceSection.FilesystemChanged,
                Limits = limits,
                Description = client.ContainerFiles.ExportCall(containerId) + " (filtered by /changes)",
                MapName = static (relative, _) => relative.Length == 0 ? null : ContainerPath.FromRelative(relative),
                // /changes names are JSON strings: compare as text (invalid UTF-8 is U+FFFD on both sides).
                Include = raw => !mountPoints.Any(m => ContainerPath.IsBelow(raw, m)) && Wanted(Encoding.UTF8.GetString(raw), wanted, added),
                Taken = raw => seen.Add(Encoding.UTF8.GetString(raw)),
                HardLinkTargetTaken = target => seen.Contains(Encoding.UTF8.GetString(target)),
                Deferred = deferred.Add,
            };
            result = await collector.CollectAsync(tar, sink, cancellationToken).ConfigureAwait(false);
            if (result.Broken)
            {
                return result;
            }
        }
        int items = result.Items;
        foreach (var path in deferred)
        {
            seen.Add(Encoding.UTF8.GetString(path));
            items += await FetchAsync(path, sink, cancellationToken).ConfigureAwait(false);
        }
        foreach (var (path, kind) in wanted.Where(w => !seen.Contains(w.Key)).OrderBy(w => w.Key, StringComparer.Ordinal))
        {
            await sink.AddAsync(ChangeRecords.Missing(ContainerPath.FromApi(path), client.ContainerFiles.ExportCall(containerId),
                $"listed by /changes as {ArchiveChangesSource.Describe(kind)}, but not in the export (deleted in between?)"), cancellationToken).ConfigureAwait(false);
            items++;
        }
        foreach (var c in changes.Where(c => c.Kind == ChangeKind.Deleted))
        {
            await sink.AddAsync(ChangeRecords.Whiteout(ContainerPath.FromApi(c.Path), changesCall), cancellationToken).ConfigureAwait(false);
            items++;
        }
        return new SourceResult(items);
    }

    /// <summary>One path (a hard link's second name) by itself: the first entry of its /archive.</summary>
    private async Task<int> FetchAsync(byte[] path, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string text = Encoding.UTF8.GetString(path);
        string call = client.ContainerFiles.ArchiveCall(containerId, text);
        try
        {
            await using var tar = await client.ContainerFiles.ArchiveAsync(containerId, text, cancellationToken).ConfigureAwait(false);
            var collector = new TarStreamCollector
            {
                Section = EvidenceSection.FilesystemChanged,
                Limits = limits,
                Description = call,
                MapName = (_, _) => path,
                MaxEntries = 1,
            };
            var result = await collector.CollectAsync(tar, sink, cancellationToken).ConfigureAwait(false);
            if (result.Broken)
            {
                sink.RecordError(result.Failure!, result.Cause, result.Errno, text);
            }
            return result.Items;
        }
        catch (DockerApiException ex)
        {
            await sink.AddAsync(ChangeRecords.Failed(path, call, "a hard link to a file outside the changes; fetching it by itself failed: " + ex.Detail), cancellationToken).ConfigureAwait(false);
            return 1;
        }
    }

    private static bool Wanted(string path, Dictionary<string, ChangeKind> wanted, HashSet<string> added)
    {
        if (wanted.ContainsKey(path))
        {
            return true;
        }
        for (int slash = path.LastIndexOf('/'); slash > 0; slash = path.LastIndexOf('/', slash - 1))
        {
            if (added.Contains(path[..slash]))
            {
                return true;
            }
        }
        return false;
    }

    public void Dispose()
    {
    }
}
