using System.Text;
using ContainerForensics.Evidence.Tests.Archive;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>Extended headers without end: each is capped, and so is a run of them, so memory stays bounded.</summary>
public sealed class HostileHeaderTests
{
    [Theory]
    [InlineData('x', "before one entry")]
    [InlineData('g', "in global headers")]
    public void An_endless_run_of_extended_headers_is_refused_before_it_fills_memory(char type, string where)
    {
        byte[] header = ExtendedHeader((byte)type, 1 << 20);
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var reader = new PaxTarReader(new RepeatStream(header, 200)); // 200 MiB of headers, never an entry

        var refused = Assert.Throws<TarFormatException>(() => reader.Next());
        Assert.Contains($"extended headers {where}", refused.Message, StringComparison.Ordinal);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 3L * PaxTarReader.MaxMetadataHeld, $"{allocated} bytes allocated");
    }

    /// <summary>A ustar header block of <paramref name="type"/> whose data is one pax record of about <paramref name="size"/> bytes.</summary>
    private static byte[] ExtendedHeader(byte type, int size)
    {
        string value = new('a', size - 32);
        string body = $"comment={value}\n";
        int length = body.Length + 8;                              // "NNNNNNN " + body
        length = body.Length + (length + 1).ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 1;
        byte[] record = Encoding.ASCII.GetBytes($"{length} {body}");
        Assert.Equal(length, record.Length);
        int padded = (record.Length + 511) / 512 * 512;
        var bytes = new byte[512 + padded];
        Encoding.ASCII.GetBytes("PaxHeaders/hostile").CopyTo(bytes, 0);
        Encoding.ASCII.GetBytes("0000644\0").CopyTo(bytes, 100);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(bytes, 108);
        Encoding.ASCII.GetBytes("0000000\0").CopyTo(bytes, 116);
        Encoding.ASCII.GetBytes(Convert.ToString(record.Length, 8).PadLeft(11, '0') + "\0").CopyTo(bytes, 124);
        Encoding.ASCII.GetBytes("00000000000\0").CopyTo(bytes, 136);
        bytes[156] = type;
        Encoding.ASCII.GetBytes("ustar\0" + "00").CopyTo(bytes, 257);
        "        "u8.CopyTo(bytes.AsSpan(148));
        int sum = bytes.AsSpan(0, 512).ToArray().Sum(b => b);
        Encoding.ASCII.GetBytes(Convert.ToString(sum, 8).PadLeft(6, '0') + "\0 ").CopyTo(bytes, 148);
        record.CopyTo(bytes, 512);
        return bytes;
    }

    private sealed class RepeatStream(byte[] unit, int times) : GeneratedStream
    {
        private long _position;

        public override int Read(Span<byte> buffer)
        {
            long total = (long)unit.Length * times;
            if (_position >= total)
            {
                return 0;
            }
            int within = (int)(_position % unit.Length);
            int n = Math.Min(buffer.Length, unit.Length - within);
            unit.AsSpan(within, n).CopyTo(buffer);
            _position += n;
            return n;
        }
    }
}
