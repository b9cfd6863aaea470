using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>Progress for people (stderr): the CLI shows it live on a terminal, as plain lines otherwise, or not at all.</summary>
public interface ICollectionProgress
{
    /// <param name="nested">The phase over the containers of nested runtimes (found while the host's volatile phase ran).</param>
    void PhaseStarted(CollectionPhase phase, int containerCount, bool nested);

    void ContainerStarted(ContainerInfo container, CollectionPhase phase);

    void ContainerFinished(ContainerInfo container, CollectionPhase phase, bool succeeded);

    public static ICollectionProgress None { get; } = new NoProgress();

    private sealed class NoProgress : ICollectionProgress
    {
        public void PhaseStarted(CollectionPhase phase, int containerCount, bool nested) { }

        public void ContainerStarted(ContainerInfo container, CollectionPhase phase) { }

        public void ContainerFinished(ContainerInfo container, CollectionPhase phase, bool succeeded) { }
    }
}
