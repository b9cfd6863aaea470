namespace ContainerForensics.Core.Watching;

/// <summary>How a watch ended: its counts, whether a signal stopped it, and the exit code that follows.</summary>
public sealed record WatchResult(WatchCounts Counts, bool Interrupted, string IndexPath)
{
    /// <summary>130 after a signal; 0 when every trigger seen has a complete archive; 1 when one is partial, dropped or failed.</summary>
    public ExitCode Code => Interrupted ? ExitCode.Interrupted
        : Counts.Complete == Counts.Seen ? ExitCode.Complete
        : ExitCode.Partial;
}
