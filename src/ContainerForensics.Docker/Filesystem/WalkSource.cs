using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>A host directory (upper layer, merged root, volume), opened at planning time and walked by <see cref="HostTreeCollector"/>.</summary>
internal sealed class WalkSource(string name, string path, SafeTreeWalker walker, HostTreeCollector collector) : IFilesystemSource
{
    public string Name => name;

    public string Path => path;

    public Task<SourceResult> CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken) =>
        collector.CollectAsync(walker, sink, cancellationToken);

    public void Dispose() => walker.Dispose();
}
