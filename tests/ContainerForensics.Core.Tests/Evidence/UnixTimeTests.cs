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
}
