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

    /// <summary>
    /// Whether it reads this kernel's state (/proc, host paths) starting from what the runtime
    /// reports. The runner then runs it only for a runtime whose processes live on this kernel
    /// (<see cref="RuntimeLocality.HasLiveProcesses"/>), and records a skip for the others
    /// (<see cref="LiveHostGate"/>): a remote daemon's pid is no process of this host.
    /// </summary>
    bool NeedsLiveHost { get; }

    /// <param name="runtime">The container's runtime, for <see cref="IContainerRuntime.GetInitPidAsync"/>.</param>
    Task CollectAsync(ContainerInfo container, IContainerRuntime runtime, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken);
}
