using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>The Metadata phase of a pod: what the cluster knows around it. (Being written.)</summary>
internal sealed class PodContextCollector(KubernetesRuntime runtime)
{
    public Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        _ = runtime;
        return Task.CompletedTask;
    }
}
