namespace ContainerForensics.Bolt;

/// <summary>
/// Bounds on what reading one database may cost, whatever the file says. Past a bound the reader records a
/// <see cref="BoltProblem"/> and goes on with the rest. The defaults read any database an engine writes.
/// </summary>
public sealed record BoltLimits
{
    public static BoltLimits Default { get; } = new();

    /// <summary>How deep buckets may nest, and how deep one bucket's B+tree may be.</summary>
    public int MaxDepth { get; init; } = 64;

    /// <summary>Page visits (cached or not, inline pages included) over the life of the database; past it nothing more is read.</summary>
    public long MaxPageReads { get; init; } = 1_000_000;

    /// <summary>The largest value returned; a larger one is skipped with a problem.</summary>
    public int MaxValueBytes { get; init; } = 16 << 20;

    /// <summary>The most bytes read of one page with its overflow; the elements beyond are unreadable (problems).</summary>
    public int MaxPageBytes { get; init; } = 32 << 20;

    /// <summary>The largest page size accepted from a meta page (engines use the OS page size, 4 to 64 KiB).</summary>
    public int MaxPageSize { get; init; } = 1 << 20;

    /// <summary>Pages kept in the cache (a page with overflow counts as its length in pages)...</summary>
    public int CachedPages { get; init; } = 1024;

    /// <summary>...and at most this many bytes.</summary>
    public long MaxCacheBytes { get; init; } = 32 << 20;

    /// <summary>Problems kept; one more says that the rest were dropped.</summary>
    public int MaxProblems { get; init; } = 10_000;
}
