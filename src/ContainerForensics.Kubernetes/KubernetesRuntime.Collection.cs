using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Collection;

namespace ContainerForensics.Kubernetes;

public sealed partial class KubernetesRuntime
{
    /// <summary>Runs after every pod's Volatile phase: the cluster as a whole (<see cref="ClusterCollector"/>).</summary>
    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        new ClusterCollector(this).CollectAsync(sink, cancellationToken);

    /// <summary>
    /// Volatile: the pod and its logs (<see cref="PodVolatileCollector"/>). Metadata: its context
    /// (<see cref="PodContextCollector"/>). A pod has no logs phase of its own (its logs are
    /// volatile) and no filesystem: its containers' files are on nodes.
    /// </summary>
    public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) => phase switch
    {
        CollectionPhase.Volatile => new PodVolatileCollector(Evidence).CollectAsync(container, sink, options, cancellationToken),
        CollectionPhase.Metadata => new PodContextCollector(this).CollectAsync(container, sink, options, cancellationToken),
        _ => Task.CompletedTask,
    };
}
