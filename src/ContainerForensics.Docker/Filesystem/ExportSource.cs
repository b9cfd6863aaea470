using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// The whole filesystem from <c>GET /containers/{id}/export</c>, repacked entry by entry into
/// <see cref="EvidenceSection.FilesystemFull"/>. Works for stopped containers (the engine mounts
/// the root for the read) and on both engines. The export has no entry for "/" itself.
/// </summary>
internal sealed class ExportSource(DockerClient client, string containerId, CaptureLimits limits) : IFilesystemSource
{
    public string Name => "engine API: /export";

    public string Path => client.ContainerFiles.ExportCall(containerId);

    public async Task<SourceResult> CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        await using var tar = await client.ContainerFiles.ExportAsync(containerId, cancellationToken).ConfigureAwait(false);
        var collector = new TarStreamCollector
        {
            Section = EvidenceSection.FilesystemFull,
            Limits = limits,
            Description = Path,
            MapName = static (relative, _) => relative.Length == 0 ? null : ContainerPath.FromRelative(relative),
        };
        return await collector.CollectAsync(tar, sink, cancellationToken).ConfigureAwait(false);
    }

    public void Dispose()
    {
    }
}
