using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// One connected runtime endpoint. It lists containers and collects their evidence phase by
/// phase; the runner decides the order (volatile first) and hands it a sink already scoped to
/// the container, so the runtime names its evidence but never chooses archive paths.
/// </summary>
public interface IContainerRuntime : IAsyncDisposable
{
    RuntimeDescriptor Descriptor { get; }

    Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken);

    /// <summary>Engine-wide evidence: version, info, events, images, networks, volumes.</summary>
    Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// Called once before the runner collects a phase, with every container it is about to
    /// collect in it. A runtime may start here what is cheaper asked for all containers at once
    /// (Docker samples the stats of all of them in one pass of its collector); the results still
    /// reach the archive through <see cref="CollectContainerAsync"/>, inside each container's own
    /// failure boundary. Must return at once and must not throw for one container's sake.
    /// </summary>
    void PhaseStarting(CollectionPhase phase, IReadOnlyList<ContainerInfo> containers, CancellationToken cancellationToken)
    {
    }

    /// <summary>
    /// One phase for one container. Throws <see cref="ContainerGoneException"/> when the container
    /// vanished; anything else thrown is recorded by the runner as a failure of this phase only.
    /// </summary>
    Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// The pid of the container's init process right now, as the runtime sees it (in its own pid
    /// namespace: <see cref="RuntimeDescriptor.Locality"/> says whether that is cfir's), or null
    /// when it has none (not running). Host-side evidence (/proc) starts from it, translated to a
    /// host pid first. Throws <see cref="ContainerGoneException"/> when the container vanished.
    /// </summary>
    Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken);
}
