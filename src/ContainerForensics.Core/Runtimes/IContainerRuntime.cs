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
    /// One phase for one container. Throws <see cref="ContainerGoneException"/> when the container
    /// vanished; anything else thrown is recorded by the runner as a failure of this phase only.
    /// </summary>
    Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken);

    /// <summary>
    /// The host pid of the container's init process right now, or null when it has none (not
    /// running). Host-side evidence (/proc) starts from it. Throws <see cref="ContainerGoneException"/>
    /// when the container vanished.
    /// </summary>
    Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken);
}
