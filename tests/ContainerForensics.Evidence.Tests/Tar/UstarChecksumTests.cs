using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>The header checksum (POSIX ustar: the sum of the block's bytes as unsigned, the checksum field counted as spaces) against a byte-by-byte sum.</summary>
public sealed class UstarChecksumTests
{
    [Fact]
    public void Checksum_is_the_unsigned_byte_sum_with_the_field_as_spaces()
    {
        var random = new Random(20261207);
        var blocks = new List<byte[]> { new byte[UstarBlock.Size], Enumerable.Repeat((byte)0xFF, UstarBlock.Size).ToArray() };
        for (int i = 0; i < 500; i++)
        {
            var block = new byte[UstarBlock.Size];
            random.NextBytes(block);
            blocks.Add(block);
        }
        foreach (var block in blocks)
        {
            long expected = 0;
            for (int i = 0; i < UstarBlock.Size; i++)
            {
                bool field = i >= UstarBlock.ChecksumOffset && i < UstarBlock.ChecksumOffset + UstarBlock.ChecksumLength;
                expected += field ? ' ' : block[i];
            }
            Assert.Equal(expected, UstarBlock.ComputeChecksum(block));
        }
        // All 0xFF but the field: the largest sum a header can have.
        Assert.Equal(((UstarBlock.Size - 8) * 255) + (8 * ' '), UstarBlock.ComputeChecksum(blocks[1]));
    }
}
