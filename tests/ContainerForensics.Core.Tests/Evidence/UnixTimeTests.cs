using ContainerForensics.Core.Evidence;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Core.Tests.Evidence;

public sealed class UnixTimeTests
{
    [Fact]
    public void Iso8601_keeps_nine_digits_and_reads_back_exactly()
    {
        Prop.ForAll<uint, uint>((s, ns) =>
        {
            var t = new UnixTime(s, ns % 1_000_000_000);
            string iso = t.ToIso8601();
            return iso.Length == 30 && UnixTime.TryParseIso8601(iso, out var back) && back == t;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(1000));
    }

    [Fact]
    public void Known_values()
    {
        Assert.Equal("2023-11-14T22:13:20.123456789Z", new UnixTime(1_700_000_000, 123_456_789).ToIso8601());
        Assert.Equal("1700000000.000000001", new UnixTime(1_700_000_000, 1).ToPaxString());
        Assert.Equal("-1.250000000", new UnixTime(-2, 750_000_000).ToPaxString());
        var fromClock = UnixTime.FromDateTimeOffset(new DateTimeOffset(2026, 11, 22, 2, 6, 7, TimeSpan.Zero).AddTicks(1234567));
        Assert.Equal("2026-11-22T02:06:07.123456700Z", fromClock.ToIso8601());
    }

    /// <summary>The hand-written form is the one the format string gave, over the whole range of years.</summary>
    [Fact]
    public void Iso8601_is_the_format_strings_form_from_year_1_to_9999()
    {
        long min = (long)(DateTimeOffset.MinValue - DateTimeOffset.UnixEpoch).TotalSeconds;
        long max = (long)(DateTimeOffset.MaxValue - DateTimeOffset.UnixEpoch).TotalSeconds - 1; // TotalSeconds rounds 9999-12-31T23:59:59.9999999 up to the next second
        Prop.ForAll<long, uint>((s, ns) =>
        {
            long seconds = min + (long)((ulong)s % (ulong)(max - min));
            var t = new UnixTime(seconds, ns % 1_000_000_000);
            string expected = DateTimeOffset.UnixEpoch.AddSeconds(seconds).ToString("yyyy-MM-dd'T'HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture)
                              + "." + t.Nanoseconds.ToString("D9", System.Globalization.CultureInfo.InvariantCulture) + "Z";
            return t.ToIso8601() == expected && UnixTime.TryParseIso8601(expected, out var back) && back == t;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(2000));
        Assert.Equal("0001-01-01T00:00:00.000000000Z", new UnixTime(min, 0).ToIso8601());
        Assert.Equal("9999-12-31T23:59:59.999999999Z", new UnixTime(max, 999_999_999).ToIso8601());
    }

    [Theory]
    [InlineData("2026-02-29T00:00:00.000000000Z")]   // not a leap year
    [InlineData("2026-04-31T00:00:00.000000000Z")]
    [InlineData("2026-13-01T00:00:00.000000000Z")]
    [InlineData("2026-00-01T00:00:00.000000000Z")]
    [InlineData("2026-01-00T00:00:00.000000000Z")]
    [InlineData("0000-01-01T00:00:00.000000000Z")]
    [InlineData("2026-01-01T24:00:00.000000000Z")]
    [InlineData("2026-01-01T23:60:00.000000000Z")]
    [InlineData("2026-01-01T23:59:60.000000000Z")]
    [InlineData("2026-01-01T23:59:59.00000000+Z")]
    [InlineData("2026-01-01T23:59:59.-00000000Z")]
    [InlineData("+026-01-01T23:59:59.000000000Z")]
    [InlineData("2026-01-01 23:59:59.000000000Z")]
    [InlineData("2026-01-01T23:59:59,000000000Z")]
    [InlineData("2026-01-01T23:59:59.000000000z")]
    [InlineData("2026-01-01T23:59:59.000000000")]
    [InlineData("2026-01-01T23:59:59.0000000000Z")]
    [InlineData("2026-1-01T23:59:59.0000000000Z")]
    [InlineData("")]
    [InlineData(null)]
    public void Anything_but_the_exact_form_of_a_real_time_is_refused(string? text)
    {
        Assert.False(UnixTime.TryParseIso8601(text, out var value));
        Assert.Equal(default, value);
    }

    [Fact]
    public void A_leap_day_and_the_epoch_read_back()
    {
        Assert.True(UnixTime.TryParseIso8601("2024-02-29T12:00:00.000000001Z", out var leap));
        Assert.Equal(new UnixTime(1_709_208_000, 1), leap);
        Assert.True(UnixTime.TryParseIso8601("1970-01-01T00:00:00.000000000Z", out var epoch));
        Assert.Equal(new UnixTime(0, 0), epoch);
        Assert.True(UnixTime.TryParseIso8601("1969-12-31T23:59:59.500000000Z", out var before));
        Assert.Equal(new UnixTime(-1, 500_000_000), before);
    }

    [Fact]
    public void Formatting_into_a_span_writes_the_same_text_and_refuses_a_nanosecond_field_past_a_second()
    {
        Span<char> text = stackalloc char[UnixTime.Iso8601Length];
        Assert.True(new UnixTime(1_700_000_000, 123_456_789).TryFormatIso8601(text));
        Assert.Equal("2023-11-14T22:13:20.123456789Z", text.ToString());
        Assert.False(new UnixTime(0, 1_000_000_000).TryFormatIso8601(text));
        Assert.Equal("1970-01-01T00:00:00.1000000000Z", new UnixTime(0, 1_000_000_000).ToIso8601()); // as before: not lost
    }
}
