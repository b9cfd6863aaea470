namespace ContainerForensics.Core.Watching;

/// <summary>What a watch did so far: triggers seen (selected), archives sealed (complete among them), dropped, failed, and what is under way.</summary>
public sealed record WatchCounts
{
    public long Seen { get; init; }

    public long Collected { get; init; }

    public long Complete { get; init; }

    public long Dropped { get; init; }

    public long Failed { get; init; }

    /// <summary>Waiting for a collection slot.</summary>
    public long Pending { get; init; }

    /// <summary>Being collected now.</summary>
    public long Collecting { get; init; }
}
