using System.Globalization;

namespace ContainerForensics.Core.Evidence;

/// <summary>
/// A point in time with full nanosecond precision, as the kernel reports it (statx, /proc).
/// <see cref="DateTimeOffset"/> stops at 100 ns, which loses evidence.
/// </summary>
public readonly record struct UnixTime(long Seconds, uint Nanoseconds) : IComparable<UnixTime>
{
    public static UnixTime FromDateTimeOffset(DateTimeOffset value)
    {
        long ticks = value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        if (rem < 0)
        {
            seconds -= 1;
            rem += TimeSpan.TicksPerSecond;
        }
        return new UnixTime(seconds, (uint)(rem * 100));
    }

    /// <summary>Reads back <see cref="ToIso8601"/>'s form ("2026-11-22T02:06:07.123456789Z"), nanoseconds intact.</summary>
    public static bool TryParseIso8601(string? text, out UnixTime value)
    {
        value = default;
        if (text is null || text.Length != 30 || text[19] != '.' || text[^1] != 'Z' ||
            !DateTimeOffset.TryParseExact(text[..19], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var whole) ||
            !uint.TryParse(text.AsSpan(20, 9), NumberStyles.None, CultureInfo.InvariantCulture, out uint ns))
        {
            return false;
        }
        value = new UnixTime(whole.ToUnixTimeSeconds(), ns);
        return true;
    }

    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);

    /// <summary>UTC ISO-8601 with nine fractional digits, e.g. <c>2026-11-22T02:06:07.123456789Z</c>.</summary>
    public string ToIso8601()
    {
        var whole = DateTimeOffset.UnixEpoch.AddSeconds(Seconds);
        return whole.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." +
               Nanoseconds.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>The PAX form: seconds, a dot, nine digits (negative times keep a positive fraction as POSIX asks).</summary>
    public string ToPaxString()
    {
        if (Seconds >= 0 || Nanoseconds == 0)
        {
            return Seconds.ToString(CultureInfo.InvariantCulture) + "." + Nanoseconds.ToString("D9", CultureInfo.InvariantCulture);
        }
        // -1.25 s is Seconds=-2, Nanoseconds=750_000_000; PAX writes the value itself: "-1.250000000".
        long s = Seconds + 1;
        uint ns = 1_000_000_000 - Nanoseconds;
        return "-" + Math.Abs(s).ToString(CultureInfo.InvariantCulture) + "." + ns.ToString("D9", CultureInfo.InvariantCulture);
    }

    public int CompareTo(UnixTime other)
    {
        int c = Seconds.CompareTo(other.Seconds);
        return c != 0 ? c : Nanoseconds.CompareTo(other.Nanoseconds);
    }

    public override string ToString() => ToIso8601();
}
