using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.Logs;

/// <summary>
/// The timestamp of a CRI log line: Go's time.RFC3339Nano as the runtime wrote it
/// ("2026-11-22T05:10:51.123456789Z" or with a "+01:00" offset; trailing zeros of the fraction,
/// and the fraction itself, may be left out). Read by hand because .NET parses only 7 digits.
/// </summary>
public static class CriTimestamp
{
    public static bool TryParse(ReadOnlySpan<byte> text, out UnixTime value)
    {
        value = default;
        // yyyy-MM-ddTHH:mm:ss is 19 bytes, then an optional fraction, then Z or ±HH:MM.
        if (text.Length < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' || text[16] != ':')
        {
            return false;
        }
        if (!Digits(text[..4], out int year) || !Digits(text[5..7], out int month) || !Digits(text[8..10], out int day) ||
            !Digits(text[11..13], out int hour) || !Digits(text[14..16], out int minute) || !Digits(text[17..19], out int second))
        {
            return false;
        }
        int i = 19;
        uint nanos = 0;
        if (text[i] == '.')
        {
            int start = ++i;
            while (i < text.Length && text[i] is >= (byte)'0' and <= (byte)'9')
            {
                i++;
            }
            int digits = i - start;
            if (digits is 0 or > 9)
            {
                return false;
            }
            Digits(text[start..i], out int fraction);
            nanos = (uint)(fraction * Pow10(9 - digits));
        }
        int offsetMinutes;
        var zone = text[i..];
        if (zone.Length == 1 && zone[0] == 'Z')
        {
            offsetMinutes = 0;
        }
        else if (zone.Length == 6 && zone[0] is (byte)'+' or (byte)'-' && zone[3] == ':' &&
                 Digits(zone[1..3], out int oh) && Digits(zone[4..6], out int om) && oh < 24 && om < 60)
        {
            offsetMinutes = (oh * 60 + om) * (zone[0] == '-' ? -1 : 1);
        }
        else
        {
            return false;
        }
        if (month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(Math.Max(1, year), month) || year < 1 ||
            hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }
        var local = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified);
        long seconds = (long)(local - DateTime.UnixEpoch).TotalSeconds - offsetMinutes * 60L;
        value = new UnixTime(seconds, nanos);
        return true;
    }

    private static int Pow10(int n)
    {
        int r = 1;
        while (n-- > 0)
        {
            r *= 10;
        }
        return r;
    }

    private static bool Digits(ReadOnlySpan<byte> s, out int value)
    {
        value = 0;
        foreach (byte b in s)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
            value = value * 10 + (b - '0');
        }
        return s.Length > 0;
    }
}
