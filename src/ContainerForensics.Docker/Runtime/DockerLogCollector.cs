using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>Logs phase: the container's logs.</summary>
internal sealed class DockerLogCollector(DockerClient client)
{
    public Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        _ = (client, container, sink, options, cancellationToken);
        return Task.CompletedTask;
    }
}
