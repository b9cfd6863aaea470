using System.Diagnostics;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Collection;

/// <summary>The realtime clock and the monotonic timestamp (<see cref="Stopwatch"/>) read one right after the other.</summary>
public sealed record ClockReading(UnixTime Realtime, long MonotonicTimestamp)
{
    public static ClockReading Now(TimeProvider clock)
    {
        ArgumentNullException.ThrowIfNull(clock);
        return new ClockReading(clock.GetUnixTime(), Stopwatch.GetTimestamp());
    }
}
