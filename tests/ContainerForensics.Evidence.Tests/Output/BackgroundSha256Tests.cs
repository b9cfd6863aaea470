using System.Security.Cryptography;
using ContainerForensics.Evidence.Output;

namespace ContainerForensics.Evidence.Tests.Output;

/// <summary>
/// The seal's hash of the tar stream, taken on a thread of its own: the digest asked at any
/// point is that of exactly the bytes appended before, whatever the chunking and the block
/// boundaries, and the bytes still reach the stream below unchanged.
/// </summary>
public sealed class BackgroundSha256Tests
{
    private const int Block = BackgroundSha256.BlockSize;

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(Block - 1, 4096)]
    [InlineData(Block, 65536)]
    [InlineData(Block + 1, 7919)]
    [InlineData((9 * Block) + 7, 1 << 20)]
    [InlineData((3 * Block) + 5, (2 * Block) + 3)]
    public void The_digest_at_any_point_is_that_of_the_bytes_appended_before(int length, int chunk)
    {
        var data = new byte[length];
        new Random(length ^ chunk).NextBytes(data);
        using var sha = new BackgroundSha256();
        for (int at = 0; at < length; at += chunk)
        {
            int n = Math.Min(chunk, length - at);
            sha.Append(data.AsSpan(at, n));
            // Asked midway too: each answer covers exactly what came before it.
            Assert.Equal(SHA256.HashData(data.AsSpan(0, at + n)), sha.CurrentHash());
        }
        Assert.Equal(SHA256.HashData(data), sha.CurrentHash());
        Assert.Equal(SHA256.HashData(data), sha.CurrentHash()); // asking again changes nothing
    }

    [Fact]
    public void A_hashing_stream_in_the_background_passes_the_bytes_through_and_agrees_with_one_that_is_not()
    {
        var data = new byte[(5 * Block) + 333];
        new Random(5).NextBytes(data);
        var below = new MemoryStream();
        var inline = new MemoryStream();
        using (var background = new HashingWriteStream(below, leaveOpen: true, background: true))
        using (var plain = new HashingWriteStream(inline, leaveOpen: true))
        {
            for (int at = 0; at < data.Length; at += 100_003)
            {
                var piece = data.AsSpan(at, Math.Min(100_003, data.Length - at));
                background.Write(piece);
                plain.Write(piece);
            }
            Assert.Equal(plain.CurrentSha256(), background.CurrentSha256());
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), background.CurrentSha256());
            Assert.Equal(data.Length, background.BytesWritten);
            Assert.Throws<NotSupportedException>(() => background.WriteAsync(data.AsMemory(0, 1)).AsTask().GetAwaiter().GetResult());
        }
        Assert.Equal(data, below.ToArray());
    }
}
