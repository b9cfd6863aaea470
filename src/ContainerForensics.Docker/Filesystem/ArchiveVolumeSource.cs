using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// A volume's content through the API when its host directory cannot be read here (remote
/// daemon): <c>GET /containers/{id}/archive?path=DESTINATION</c>, the mount point with its
/// subtree, renamed to "/NAME/..." in <see cref="EvidenceSection.Volumes"/>.
/// </summary>
internal sealed class ArchiveVolumeSource(DockerClient client, string containerId, string volumeName, string destination, CaptureLimits limits) : IFilesystemSource
{
    public string Name => "engine API: /archive";

    public string Path => client.ContainerFiles.ArchiveCall(containerId, destination);

    public async Task<SourceResult> CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        byte[] root = ContainerPath.FromApi("/" + volumeName);
        byte[] mountedAt = ContainerPath.FromApi(destination.TrimEnd('/'));
        await using var tar = await client.ContainerFiles.ArchiveAsync(containerId, destination, cancellationToken).ConfigureAwait(false);
        var collector = new TarStreamCollector
        {
            Section = EvidenceSection.Volumes,
            Limits = limits,
            Description = Path,
            // Entries are named after the mount point's base name: "data", "data/file".
            MapName = (relative, index) => index == 0 ? root : ContainerPath.Join(root, WithoutFirstSegment(relative)),
            OriginalPathOf = (relative, index) => index == 0 ? mountedAt : ContainerPath.Join(mountedAt, WithoutFirstSegment(relative)),
        };
        return await collector.CollectAsync(tar, sink, cancellationToken).ConfigureAwait(false);
    }

    private static ReadOnlySpan<byte> WithoutFirstSegment(ReadOnlySpan<byte> relative)
    {
        int slash = relative.IndexOf((byte)'/');
        return slash < 0 ? [] : relative[(slash + 1)..];
    }

    public void Dispose()
    {
    }
}
