using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// Evidence about a container that does not depend on its runtime: the host's /proc view of
/// its processes, sockets and mounts. The runner runs it in its phase, after the runtime's own
/// collection, inside the same failure boundary discipline, with the same scoped sink.
/// </summary>
public interface IContainerEvidenceCollector
{
    /// <summary>For logs and error records, e.g. "host process evidence".</summary>
    string Name { get; }

    CollectionPhase Phase { get; }

    /// <param name="runtime">The container's runtime, for <see cref="IContainerRuntime.GetInitPidAsync"/>.</param>
    Task CollectAsync(ContainerInfo container, IContainerRuntime runtime, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken);
}
