using System.Text;
using ContainerForensics.Evidence.Output;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Evidence.Tests.Output;

public sealed class Crc32Tests
{
    private static readonly Config Many = Config.QuickThrowOnFailure.WithMaxTest(500);

    /// <summary>The one-bit-at-a-time definition (RFC 1952 section 8), as the oracle for the table-driven code.</summary>
    private static uint BitwiseCrc(ReadOnlySpan<byte> data)
    {
        uint c = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            c ^= b;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320 : c >> 1;
            }
        }
        return ~c;
    }

    [Fact]
    public void The_check_value_of_123456789_is_cbf43926()
    {
        // The catalogued check value of CRC-32/ISO-HDLC (the gzip and zip CRC).
        Assert.Equal(0xCBF43926u, Crc32.Append(0, Encoding.ASCII.GetBytes("123456789")));
        Assert.Equal(0u, Crc32.Append(0, []));
    }

    [Fact]
    public void Any_input_gives_the_bitwise_crc_however_it_is_split()
    {
        Prop.ForAll<byte[], int>((data, cut) =>
        {
            data ??= [];
            int at = data.Length == 0 ? 0 : (int)((uint)cut % (uint)(data.Length + 1));
            uint whole = BitwiseCrc(data);
            uint continued = Crc32.Append(Crc32.Append(0, data.AsSpan(0, at)), data.AsSpan(at));
            uint combined = Crc32.Combine(Crc32.Append(0, data.AsSpan(0, at)), Crc32.Append(0, data.AsSpan(at)), data.Length - at);
            return Crc32.Append(0, data) == whole && continued == whole && combined == whole;
        }).Check(Many);
    }

    [Fact]
    public void Every_length_and_alignment_gives_the_bitwise_crc()
    {
        // Lengths past 128 take the carry-less multiplication path where the CPU has it: every
        // remainder of 16 and 64, unaligned starts, and a start register that is not zero.
        var random = new Random(1);
        var data = new byte[5000];
        random.NextBytes(data);
        for (int length = 0; length <= 1200; length++)
        {
            int start = length % 13;
            var piece = data.AsSpan(start, length);
            Assert.Equal(BitwiseCrc(piece), Crc32.Append(0, piece));
            Assert.Equal(BitwiseCrc([.. "prefix"u8, .. piece]), Crc32.Append(Crc32.Append(0, "prefix"u8), piece));
        }
        Assert.Equal(BitwiseCrc(data), Crc32.Append(0, data));
    }

    [Fact]
    public void Combine_over_a_long_run_of_zeros_matches_the_crc_of_the_run()
    {
        // Exercises many squarings: 5 MiB + 3 bytes (odd, not a power of two).
        var zeros = new byte[(5 << 20) + 3];
        uint head = Crc32.Append(0, "head"u8);
        Assert.Equal(Crc32.Append(head, zeros), Crc32.Combine(head, Crc32.Append(0, zeros), zeros.Length));
    }
}
