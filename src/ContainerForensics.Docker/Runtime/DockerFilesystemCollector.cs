using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Runtime;

/// <summary>Filesystem phase: the writable layer or the whole filesystem, and volumes.</summary>
internal sealed class DockerFilesystemCollector(DockerClient client)
{
    public Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        _ = (client, container, sink, options, cancellationToken);
        return Task.CompletedTask;
    }
}
