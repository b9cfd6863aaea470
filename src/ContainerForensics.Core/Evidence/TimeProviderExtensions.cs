namespace ContainerForensics.Core.Evidence;

public static class TimeProviderExtensions
{
    /// <summary>Now, from the injected clock, as a <see cref="UnixTime"/> for evidence records.</summary>
    public static UnixTime GetUnixTime(this TimeProvider clock) => UnixTime.FromDateTimeOffset(clock.GetUtcNow());
}
