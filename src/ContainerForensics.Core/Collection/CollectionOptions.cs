namespace ContainerForensics.Core.Collection;

/// <summary>What to collect and how much; filled by the CLI, read by the runner and the runtimes.</summary>
public sealed record CollectionOptions
{
    public ContainerSelector Selector { get; init; } = new();

    public FilesystemMode Filesystem { get; init; } = FilesystemMode.Changed;

    /// <summary>Null means no limit.</summary>
    public long? MaxFileSize { get; init; }

    public OversizePolicy Oversize { get; init; } = OversizePolicy.Truncate;

    /// <summary>
    /// <see cref="FileSystem.CaptureLimits.CaptureAhead"/>: no option sets it; 0 (capture and
    /// write in lockstep) is for tests that change a tree at a given point of the writing.
    /// </summary>
    public int CaptureAhead { get; init; } = FileSystem.CaptureLimits.DefaultCaptureAhead;

    /// <summary>Only log lines at or after this time; null means the whole history.</summary>
    public DateTimeOffset? LogsSince { get; init; }

    /// <summary>Engine events from this time on (default: 24 h before the start).</summary>
    public DateTimeOffset? EventsSince { get; init; }

    /// <summary>Copy the content of named volumes (their metadata is always collected).</summary>
    public bool Volumes { get; init; }

    /// <summary><c>--memory</c>: every live process of the selected running containers as an ELF core file.</summary>
    public bool Memory { get; init; }

    /// <summary>
    /// <c>--parallel</c>: how many containers a phase collects at once (at least 1). Phases still
    /// run one after the other; only the containers within a phase overlap.
    /// </summary>
    public int Parallelism { get; init; } = 1;

    /// <summary><c>--memory-max</c>: cap per process; regions past it are left out and the entry is truncated. Null: the collector's default (1 GiB).</summary>
    public long? MemoryMaxBytes { get; init; }
}
