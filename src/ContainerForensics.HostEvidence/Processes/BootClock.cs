using System.Globalization;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// Turns the start time of /proc/&lt;pid&gt;/stat (field 22: clock ticks since boot) into wall-clock
/// time: btime from /proc/stat (the boot time, whole seconds since the epoch) plus ticks divided
/// by sysconf(_SC_CLK_TCK) (USER_HZ), as ps(1) does. Precision: one tick (10 ms at 100 Hz) after a
/// boot time that /proc/stat rounds down to the second; the nanosecond digits carry the tick's
/// fraction only.
/// </summary>
internal sealed record BootClock(long BootTimeSeconds, long TicksPerSecond)
{
    public UnixTime StartOf(ulong ticks)
    {
        ulong seconds = ticks / (ulong)TicksPerSecond;
        ulong rest = ticks % (ulong)TicksPerSecond;
        return new UnixTime(BootTimeSeconds + (long)seconds, (uint)(rest * 1_000_000_000UL / (ulong)TicksPerSecond));
    }

    /// <summary>Reads btime from &lt;procRoot&gt;/stat; null with the reason when it cannot.</summary>
    public static BootClock? Read(string procRoot, out string? problem)
    {
        problem = null;
        try
        {
            foreach (var line in File.ReadLines(Path.Combine(procRoot, "stat")))
            {
                if (line.StartsWith("btime ", StringComparison.Ordinal) &&
                    long.TryParse(line.AsSpan(6).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long btime))
                {
                    return new BootClock(btime, Native.ClockTicksPerSecond());
                }
            }
            problem = "no btime line in /proc/stat";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = "/proc/stat could not be read: " + ex.Message;
        }
        return null;
    }
}
