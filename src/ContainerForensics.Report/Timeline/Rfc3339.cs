using System.Globalization;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// RFC 3339 times as engines write them: Go's RFC3339Nano drops trailing zeros of the fraction
/// ("2026-12-07T06:02:44.6123Z"), and some write an offset instead of Z. Read to the nanosecond,
/// never through <see cref="DateTimeOffset"/>'s 100 ns ticks.
/// </summary>
internal static class Rfc3339
{
    public static bool TryParse(ReadOnlySpan<char> text, out UnixTime value)
    {
        value = default;
        if (text.Length < 20 || text[10] != 'T' ||
            !DateTime.TryParseExact(text[..19], "yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var whole))
        {
            return false;
        }
        var rest = text[19..];
        uint nanos = 0;
        if (rest.Length > 0 && rest[0] == '.')
        {
            int digits = 1;
            while (digits < rest.Length && char.IsAsciiDigit(rest[digits]))
            {
                digits++;
            }
            var fraction = rest[1..digits];
            if (fraction.IsEmpty || fraction.Length > 9)
            {
                return false;
            }
            nanos = uint.Parse(fraction, NumberStyles.None, CultureInfo.InvariantCulture);
            for (int i = fraction.Length; i < 9; i++)
            {
                nanos *= 10;
            }
            rest = rest[digits..];
        }
        long offsetSeconds = 0;
        if (rest is "Z" or "z")
        {
        }
        else if (rest.Length == 6 && rest[0] is '+' or '-' && rest[3] == ':' &&
                 int.TryParse(rest[1..3], NumberStyles.None, CultureInfo.InvariantCulture, out int h) &&
                 int.TryParse(rest[4..6], NumberStyles.None, CultureInfo.InvariantCulture, out int m))
        {
            offsetSeconds = (h * 3600 + m * 60) * (rest[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }
        long seconds = new DateTimeOffset(whole, TimeSpan.Zero).ToUnixTimeSeconds() - offsetSeconds;
        value = new UnixTime(seconds, nanos);
        return true;
    }

    /// <summary>Go's zero time ("0001-01-01T00:00:00Z"): an engine's way of saying "never".</summary>
    public static bool IsZero(UnixTime t) => t.Seconds <= -62135596800L;
}
