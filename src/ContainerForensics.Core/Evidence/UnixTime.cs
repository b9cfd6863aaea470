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

    /// <summary>The length of <see cref="ToIso8601"/>'s form: "2026-11-22T02:06:07.123456789Z".</summary>
    public const int Iso8601Length = 30;

    /// <summary>
    /// Reads back <see cref="ToIso8601"/>'s form ("2026-11-22T02:06:07.123456789Z"), nanoseconds
    /// intact; nothing else: a date that does not exist, an hour past 23, a second past 59, a
    /// missing digit. Read by hand, not by a format string: a manifest has several per line.
    /// </summary>
    public static bool TryParseIso8601(string? text, out UnixTime value)
    {
        value = default;
        return text is not null && TryParseIso8601(text.AsSpan(), out value);
    }

    /// <inheritdoc cref="TryParseIso8601(string?, out UnixTime)"/>
    public static bool TryParseIso8601(ReadOnlySpan<char> text, out UnixTime value)
    {
        value = default;
        if (text.Length != Iso8601Length || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
            text[16] != ':' || text[19] != '.' || text[29] != 'Z' ||
            !Digits(text[..4], out int year) || !Digits(text.Slice(5, 2), out int month) || !Digits(text.Slice(8, 2), out int day) ||
            !Digits(text.Slice(11, 2), out int hour) || !Digits(text.Slice(14, 2), out int minute) || !Digits(text.Slice(17, 2), out int second) ||
            !Digits(text.Slice(20, 9), out int ns))
        {
            return false;
        }
        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        long days = new DateOnly(year, month, day).DayNumber - DateOnly.FromDateTime(DateTime.UnixEpoch).DayNumber;
        value = new UnixTime(days * 86_400 + hour * 3600 + minute * 60 + second, (uint)ns);
        return true;
    }

    /// <summary>ASCII digits only (no sign, no space), at most nine.</summary>
    private static bool Digits(ReadOnlySpan<char> text, out int value)
    {
        value = 0;
        foreach (char c in text)
        {
            uint d = (uint)(c - '0');
            if (d > 9)
            {
                return false;
            }
            value = value * 10 + (int)d;
        }
        return true;
    }

    public DateTimeOffset ToDateTimeOffset() =>
        DateTimeOffset.UnixEpoch.AddTicks(Seconds * TimeSpan.TicksPerSecond + Nanoseconds / 100);

    /// <summary>UTC ISO-8601 with nine fractional digits, e.g. <c>2026-11-22T02:06:07.123456789Z</c>.</summary>
    public string ToIso8601()
    {
        if (Nanoseconds < 1_000_000_000)
        {
            return string.Create(Iso8601Length, this, static (span, t) => t.TryFormatIso8601(span));
        }
        // Not a time the kernel gives; written as it is rather than lost.
        return DateTimeOffset.UnixEpoch.AddSeconds(Seconds).ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + "." +
               Nanoseconds.ToString("D9", CultureInfo.InvariantCulture) + "Z";
    }

    /// <summary>
    /// <see cref="ToIso8601"/> into <paramref name="destination"/> (at least <see cref="Iso8601Length"/>
    /// chars), without a string: the manifest writes four per entry. False, with nothing written,
    /// when <see cref="Nanoseconds"/> is not below a second; years outside 1–9999 throw, as
    /// <see cref="DateTimeOffset"/> does.
    /// </summary>
    public bool TryFormatIso8601(Span<char> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Iso8601Length);
        if (Nanoseconds >= 1_000_000_000)
        {
            return false;
        }
        var (date, time) = DateTimeOffset.UnixEpoch.AddSeconds(Seconds).UtcDateTime;
        var (year, month, day) = date;
        var (hour, minute, second) = time;
        Put(destination[..4], year);
        destination[4] = '-';
        Put(destination.Slice(5, 2), month);
        destination[7] = '-';
        Put(destination.Slice(8, 2), day);
        destination[10] = 'T';
        Put(destination.Slice(11, 2), hour);
        destination[13] = ':';
        Put(destination.Slice(14, 2), minute);
        destination[16] = ':';
        Put(destination.Slice(17, 2), second);
        destination[19] = '.';
        Put(destination.Slice(20, 9), (int)Nanoseconds);
        destination[29] = 'Z';
        return true;
    }

    /// <summary>The number's last digits, zero-padded to the span's length.</summary>
    private static void Put(Span<char> digits, int value)
    {
        for (int i = digits.Length - 1; i >= 0; i--)
        {
            digits[i] = (char)('0' + value % 10);
            value /= 10;
        }
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
