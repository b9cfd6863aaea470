using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// The unix sockets of a container whose whole filesystem came from <c>/export</c>: both engines
/// leave sockets out of the tar they write (a socket has no tar type; Docker's and
/// containers/storage's archivers skip it with a log line), yet a socket file names a service an
/// intruder ran. The overlay upper directory is the only layer that can hold one (image layers are
/// tars too), so it is walked on the host and each socket found is added to
/// <see cref="EvidenceSection.FilesystemFull"/> as the walk of a merged directory would have.
/// </summary>
internal sealed class UpperDirSocketsSource(string upperDir, SafeTreeWalker walker, CaptureLimits limits) : IFilesystemSource
{
    public string Name => "overlay upperdir (sockets)";

    public string Path => upperDir;

    public async Task<SourceResult> CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var source = new EvidenceSource { Description = $"overlay upperdir {upperDir}: a socket, which /export leaves out" };
        int items = 0;
        foreach (var entry in walker.Walk(cancellationToken))
        {
            if (entry.Stat is not { Kind: EntryKind.Socket })
            {
                continue;
            }
            var capture = entry.Capture(limits);
            await sink.AddAsync(capture.ToEvidenceItem(EvidenceSection.FilesystemFull, ContainerPath.FromRelative(entry.RelativePath), source), cancellationToken).ConfigureAwait(false);
            items++;
        }
        return new SourceResult(items);
    }

    public void Dispose() => walker.Dispose();
}
