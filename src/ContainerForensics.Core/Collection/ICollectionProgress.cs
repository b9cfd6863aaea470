using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection;

/// <summary>Progress for people (stderr): the CLI shows it live on a terminal, as plain lines otherwise, or not at all.</summary>
public interface ICollectionProgress
{
    void PhaseStarted(CollectionPhase phase, int containerCount);

    void ContainerStarted(ContainerInfo container, CollectionPhase phase);

    void ContainerFinished(ContainerInfo container, CollectionPhase phase, bool succeeded);

    public static ICollectionProgress None { get; } = new NoProgress();

    private sealed class NoProgress : ICollectionProgress
    {
        public void PhaseStarted(CollectionPhase phase, int containerCount) { }

        public void ContainerStarted(ContainerInfo container, CollectionPhase phase) { }

        public void ContainerFinished(ContainerInfo container, CollectionPhase phase, bool succeeded) { }
    }
}
