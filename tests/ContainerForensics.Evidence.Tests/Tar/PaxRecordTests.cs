using System.Buffers;
using System.Globalization;
using System.Text;
using ContainerForensics.Tar;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// The pax record "%d %s=%s\n" whose length counts its own digits: encode/decode round trips for
/// any keyword and any (binary) value, and exact lengths where the digit count rolls over.
/// </summary>
public sealed class PaxRecordTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    [Theory]
    [InlineData(1, 4, 9)]     // "9 k=vvvv\n": body 8 + 1 digit
    [InlineData(1, 5, 11)]    // body 9 would be "10 ..." = 11 bytes: the count rolls to two digits
    [InlineData(1, 94, 101)]  // body 98 + 2 = 100 has three digits -> 101
    [InlineData(1, 93, 99)]   // body 97 + 2 digits = 99
    [InlineData(1, 95, 102)]  // body 99 -> 101 -> three digits -> 102
    [InlineData(1, 992, 999)] // body 996 + 3 = 999
    [InlineData(1, 993, 1001)] // body 997 + 3 = 1000 has four digits -> 1001
    [InlineData(1, 994, 1002)] // body 998 + 3 = 1001 has four digits -> 1002
    public void Record_length_counts_its_own_digits(int keyBytes, int valueBytes, int expected)
    {
        Assert.Equal(expected, PaxRecord.RecordLength(keyBytes, valueBytes));
        var output = new ArrayBufferWriter<byte>();
        PaxRecord.Append(output, new string('k', keyBytes), new byte[valueBytes]);
        Assert.Equal(expected, output.WrittenCount);
        Assert.StartsWith(expected.ToString(CultureInfo.InvariantCulture) + " ", Encoding.ASCII.GetString(output.WrittenSpan));
    }

    [Fact]
    public void Every_total_length_up_to_1100_is_self_consistent()
    {
        // Sweeps all record sizes around the 9/10, 99/100 and 999/1000 boundaries: the prefix
        // must equal the record's real length and parse back.
        for (int valueBytes = 0; valueBytes < 1100; valueBytes++)
        {
            var output = new ArrayBufferWriter<byte>();
            var value = new byte[valueBytes];
            Array.Fill(value, (byte)'\n');
            PaxRecord.Append(output, "k", value);
            var span = output.WrittenSpan;
            int space = span.IndexOf((byte)' ');
            int prefix = int.Parse(Encoding.ASCII.GetString(span[..space]), CultureInfo.InvariantCulture);
            Assert.Equal(span.Length, prefix);
            int offset = 0;
            Assert.True(PaxRecord.TryParse(span, ref offset, out var k, out var v, out string? error), error);
            Assert.Equal(span.Length, offset);
            Assert.Equal("k"u8.ToArray(), span[k].ToArray());
            Assert.Equal(value, span[v].ToArray());
        }
    }

    [Fact]
    public void Records_round_trip_for_any_keyword_and_binary_value()
    {
        var keyword = ArbMap.Default.GeneratorFor<string>()
            .Where(s => !string.IsNullOrEmpty(s) && !s.Contains('=') && !HasLoneSurrogate(s));
        var value = ArbMap.Default.GeneratorFor<byte[]>();
        // Sizes that put whole records right at the digit-count boundaries.
        var boundaryValue = Gen.Elements(0, 1, 4, 5, 6, 90, 93, 94, 95, 96, 985, 990, 992, 993, 994, 995, 9990, 9991, 9992)
            .Select(n => new byte[n]);
        var records = Gen.ListOf(Gen.Zip(keyword, Gen.OneOf(value, boundaryValue)));

        Check.One(Config, Prop.ForAll(records.ToArbitrary(), list =>
        {
            var output = new ArrayBufferWriter<byte>();
            foreach (var (k, v) in list)
            {
                PaxRecord.Append(output, k, v);
            }
            var parsed = new List<KeyValuePair<string, byte[]>>();
            PaxHeaderParser.Parse(output.WrittenSpan, 0, parsed);
            return parsed.Count == list.Count
                && parsed.Zip(list).All(p => p.First.Key == p.Second.Item1 && p.First.Value.AsSpan().SequenceEqual(p.Second.Item2));
        }));
    }

    [Theory]
    [InlineData("user.plain")]
    [InlineData("user.a=b%c")]
    [InlineData("user.%=%=")]
    [InlineData("user.ünï=cödé%")]
    public void Xattr_keywords_escape_like_gnu_tar_and_decode_back(string name)
    {
        var direct = new ArrayBufferWriter<byte>();
        PaxRecord.AppendXattr(direct, name, [1, 2]);
        var viaString = new ArrayBufferWriter<byte>();
        PaxRecord.Append(viaString, PaxKeywords.EncodeXattrName(name), [1, 2]);
        Assert.Equal(viaString.WrittenSpan.ToArray(), direct.WrittenSpan.ToArray());

        var parsed = new List<KeyValuePair<string, byte[]>>();
        PaxHeaderParser.Parse(direct.WrittenSpan, 0, parsed);
        Assert.DoesNotContain('=', parsed[0].Key);
        Assert.Equal(name, PaxKeywords.DecodeXattrName(parsed[0].Key["SCHILY.xattr.".Length..]));
    }

    [Theory]
    [InlineData("5 a=b")]              // no newline, length too short
    [InlineData("7 a=b\n")]            // length one too large
    [InlineData("5 a=b\n")]            // length one too small
    [InlineData("x a=b\n")]            // not a number
    [InlineData("6 ab\n\n")]           // no '='
    [InlineData("6 =ab\n")]            // empty keyword
    [InlineData("99999999999 a=b\n")]  // absurd length
    public void Malformed_records_are_rejected(string text)
    {
        var parsed = new List<KeyValuePair<string, byte[]>>();
        var ex = Assert.Throws<TarFormatException>(() => PaxHeaderParser.Parse(Encoding.ASCII.GetBytes(text), 1000, parsed));
        Assert.Contains("1000", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_nul_padding_is_tolerated()
    {
        var parsed = new List<KeyValuePair<string, byte[]>>();
        PaxHeaderParser.Parse("6 a=b\n\0\0\0"u8, 0, parsed);
        Assert.Single(parsed);
    }

    private static bool HasLoneSurrogate(string s)
    {
        for (int i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(s[i]))
            {
                return true;
            }
        }
        return false;
    }
}
