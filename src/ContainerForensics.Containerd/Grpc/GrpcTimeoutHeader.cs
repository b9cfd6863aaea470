using System.Globalization;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// The <c>grpc-timeout</c> header: at most 8 digits and a unit (PROTOCOL-HTTP2.md). Rounded up,
/// so the server never gets a shorter deadline than ours.
/// </summary>
public static class GrpcTimeoutHeader
{
    public const string Name = "grpc-timeout";

    private const long MaxValue = 99_999_999;

    public static string Format(TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            return "1n";
        }
        long ticks = timeout.Ticks;
        long ms = CeilDiv(ticks, TimeSpan.TicksPerMillisecond);
        if (ms <= MaxValue)
        {
            return ms.ToString(CultureInfo.InvariantCulture) + "m";
        }
        long s = CeilDiv(ticks, TimeSpan.TicksPerSecond);
        if (s <= MaxValue)
        {
            return s.ToString(CultureInfo.InvariantCulture) + "S";
        }
        long h = CeilDiv(ticks, TimeSpan.TicksPerHour);
        return Math.Min(h, MaxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static long CeilDiv(long a, long b) => (a / b) + (a % b == 0 ? 0 : 1);
}
