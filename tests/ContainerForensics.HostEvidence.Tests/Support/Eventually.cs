namespace ContainerForensics.HostEvidence.Tests.Support;

/// <summary>
/// Waits for a planted container to reach the state a test needs (a marker file, a process). A
/// hang guard, not a timing assertion: the limit is generous and only turns a hang into a failure.
/// </summary>
public static class Eventually
{
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(90);

    public static async Task<T> Until<T>(Func<T?> probe, string what, TimeSpan? limit = null)
        where T : class
    {
        var deadline = DateTime.UtcNow + (limit ?? DefaultLimit);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what} after {limit ?? DefaultLimit}");
            }
            await Task.Delay(100);
        }
    }

    public static async Task<T> UntilSome<T>(Func<T?> probe, string what, TimeSpan? limit = null)
        where T : struct
    {
        T? found = default;
        await Until(() => (found = probe()) is not null, what, limit);
        return found!.Value;
    }

    public static Task Until(Func<bool> condition, string what, TimeSpan? limit = null) =>
        Until(() => condition() ? "yes" : null, what, limit);
}
