using System.Globalization;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Tar;

/// <summary>
/// Times in pax records (mtime, atime, ctime): decimal seconds since the epoch with an optional
/// fraction, e.g. "1700000000.123456789" (POSIX pax, "pax Extended Header Keyword Definitions":
/// the value is the time itself, so one and a quarter seconds before the epoch is "-1.25").
/// We always write nine fractional digits; we read any number of them and keep nine.
/// </summary>
internal static class PaxTime
{
    /// <summary>Longest form: '-', 19 digits, '.', 9 digits.</summary>
    public const int MaxLength = 30;

    public static int Format(UnixTime time, Span<byte> destination)
    {
        if (time.Nanoseconds >= 1_000_000_000)
        {
            throw new ArgumentOutOfRangeException(nameof(time), $"nanoseconds {time.Nanoseconds} out of range");
        }
        long seconds = time.Seconds;
        uint nanos = time.Nanoseconds;
        int n = 0;
        if (seconds < 0 && nanos != 0)
        {
            // UnixTime keeps the fraction positive (-1.25 s is -2 s + 0.75 s); pax writes the value.
            destination[n++] = (byte)'-';
            seconds = -(seconds + 1);
            nanos = 1_000_000_000 - nanos;
        }
        if (!seconds.TryFormat(destination[n..], out int written, default, CultureInfo.InvariantCulture))
        {
            throw new ArgumentException("destination too small", nameof(destination));
        }
        n += written;
        destination[n++] = (byte)'.';
        for (int i = 8; i >= 0; i--)
        {
            destination[n + i] = (byte)('0' + (nanos % 10));
            nanos /= 10;
        }
        return n + 9;
    }

    public static bool TryParse(ReadOnlySpan<byte> text, out UnixTime time)
    {
        time = default;
        int i = 0;
        bool negative = false;
        if (i < text.Length && (text[i] == (byte)'-' || text[i] == (byte)'+'))
        {
            negative = text[i] == (byte)'-';
            i++;
        }
        long seconds = 0;
        int secondDigits = 0;
        for (; i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9'; i++)
        {
            if (!DecimalDigits.TryAppend(ref seconds, text[i]))
            {
                return false;
            }
            secondDigits++;
        }
        uint fraction = 0;
        int fractionDigits = 0;
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            for (; i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9'; i++)
            {
                if (fractionDigits < 9)
                {
                    fraction = (fraction * 10) + (uint)(text[i] - '0');
                }
                fractionDigits++;  // digits beyond nanoseconds are dropped (truncated toward zero)
            }
        }
        if (i != text.Length || (secondDigits == 0 && fractionDigits == 0))
        {
            return false;
        }
        for (int d = Math.Min(fractionDigits, 9); d < 9; d++)
        {
            fraction *= 10;
        }
        time = !negative ? new UnixTime(seconds, fraction)
            : fraction == 0 ? new UnixTime(-seconds, 0)
            : new UnixTime(-seconds - 1, 1_000_000_000 - fraction);
        return true;
    }
}
