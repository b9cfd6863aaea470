using System.Globalization;

namespace ContainerForensics.Cli.Hosting;

/// <summary>Parses the sizes and times responders type: "100M", "2G", "512K", "1048576"; "24h", "30m", "7d", or an ISO-8601 time.</summary>
internal static class SizeParser
{
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }
        long multiplier = 1;
        char last = char.ToUpperInvariant(text[^1]);
        string number = text;
        if (last is 'K' or 'M' or 'G' or 'T')
        {
            multiplier = last switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L << 40 };
            number = text[..^1];
        }
        else if (text.EndsWith("iB", StringComparison.Ordinal) && text.Length > 3)
        {
            return TryParseSize(text[..^2], out bytes);
        }
        if (!long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out long n) || n < 0)
        {
            return false;
        }
        try
        {
            bytes = checked(n * multiplier);
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    /// <summary>A point in time: an absolute ISO-8601 time, or a duration before <paramref name="now"/> ("24h").</summary>
    public static bool TryParseSince(string text, DateTimeOffset now, out DateTimeOffset since)
    {
        since = default;
        if (TryParseDuration(text, out var span))
        {
            since = now - span;
            return true;
        }
        return DateTimeOffset.TryParse(text.Trim(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out since);
    }

    /// <summary>A duration: a whole number with s, m, h or d ("90s", "24h"), at most 10,000 days.</summary>
    public static bool TryParseDuration(string text, out TimeSpan span)
    {
        span = default;
        text = text.Trim();
        if (text.Length < 2 || !char.IsDigit(text[0]) || text[^1] is not ('s' or 'm' or 'h' or 'd') ||
            !long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out long n))
        {
            return false;
        }
        long seconds = text[^1] switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            _ => 86400,
        };
        if (n > 10_000L * 86400 / seconds)
        {
            return false;
        }
        span = TimeSpan.FromSeconds(n * seconds);
        return true;
    }
}
