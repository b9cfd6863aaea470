namespace ContainerForensics.Core.Watching;

/// <summary>How the watch runs: what triggers a collection, how many at once, how many may wait, and for how long it watches.</summary>
public sealed record WatchSettings
{
    /// <summary>At most this many triggers wait for a collection slot by default; more are dropped and indexed with the reason.</summary>
    public const int DefaultQueueCapacity = 64;

    public IReadOnlySet<TriggerKind> Triggers { get; init; } = TriggerKinds.Default;

    /// <summary>Collections (archives being written) at once, at least 1.</summary>
    public int Parallelism { get; init; } = 4;

    /// <summary>Triggers that may wait for a collection slot, at least 1.</summary>
    public int QueueCapacity { get; init; } = DefaultQueueCapacity;

    /// <summary>Stop by itself after this long (<c>--until</c>); null: until a signal.</summary>
    public TimeSpan? Until { get; init; }

    /// <summary>The directory the archives and the index go into; it exists.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The archives' file name extension, with its dot (".tar.gz").</summary>
    public string ArchiveExtension { get; init; } = ".tar.gz";
}
