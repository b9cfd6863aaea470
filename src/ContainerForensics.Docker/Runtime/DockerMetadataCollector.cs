using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>The metadata phase of one container: the daemon's view of it (containers/.../metadata/).</summary>
internal sealed class DockerMetadataCollector(DockerClient client)
{
    public async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var inspect = await DockerEvidence.AboutContainerAsync(container, () => client.Containers.InspectRawAsync(container.Id, cancellationToken)).ConfigureAwait(false);
        await DockerEvidence.AddJsonAsync(sink, EvidenceSection.Metadata, "inspect.json", inspect, cancellationToken).ConfigureAwait(false);
        _ = options;
    }
}
