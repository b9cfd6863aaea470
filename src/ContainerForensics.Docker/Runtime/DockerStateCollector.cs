using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>Volatile phase: what the daemon says is running in the container now (top, one stats sample).</summary>
internal sealed class DockerStateCollector(DockerClient client)
{
    public Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        _ = (client, container, sink, options, cancellationToken);
        return Task.CompletedTask;
    }
}
