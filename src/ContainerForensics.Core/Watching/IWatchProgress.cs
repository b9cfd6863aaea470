namespace ContainerForensics.Core.Watching;

/// <summary>Watch mode's progress for people (stderr): the CLI keeps one status line on a terminal, plain lines otherwise.</summary>
public interface IWatchProgress
{
    /// <summary>The counts changed (a trigger seen, a collection started or ended).</summary>
    void Changed(WatchCounts counts);

    /// <summary>A trigger ended: its archive sealed, or it was dropped or failed.</summary>
    void Ended(TriggerOutcome outcome);

    /// <summary>A source lost its connection or got it back; <paramref name="message"/> says which and why.</summary>
    void Source(string message);

    public static IWatchProgress None { get; } = new NoProgress();

    private sealed class NoProgress : IWatchProgress
    {
        public void Changed(WatchCounts counts) { }

        public void Ended(TriggerOutcome outcome) { }

        public void Source(string message) { }
    }
}
