using System.Numerics;
using ContainerForensics.Sealing.Ssh;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace ContainerForensics.Sealing.Tests.Ssh;

/// <summary>The Blowfish under bcrypt_pbkdf: its initial state is pi, and its cipher is BouncyCastle's.</summary>
public sealed class BlowfishTests
{
    [Fact]
    public void Initial_state_is_the_fractional_hex_digits_of_pi()
    {
        uint[] expected = PiWords(18 + 1024);
        Assert.Equal(expected[..18], BlowfishInitialState.P);
        Assert.Equal(expected[18..], BlowfishInitialState.S);
    }

    [Theory]
    [InlineData("0000000000000000", "0000000000000000")]
    [InlineData("0123456789abcdeffedcba9876543210", "0123456789abcdef")]
    [InlineData("cfir blowfish key, longer than most", "evidence")]
    public void Enciphers_as_BouncyCastles_Blowfish(string keyText, string blockText)
    {
        byte[] key = System.Text.Encoding.ASCII.GetBytes(keyText);
        byte[] block = System.Text.Encoding.ASCII.GetBytes(blockText);
        var bc = new BlowfishEngine();
        bc.Init(true, new KeyParameter(key));
        var expected = new byte[8];
        bc.ProcessBlock(block, 0, expected, 0);

        var ours = new EksBlowfish();
        ours.ExpandZeroState(key); // from the initial state: Blowfish's own key schedule
        uint l = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(block);
        uint r = System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(block.AsSpan(4));
        ours.Encipher(ref l, ref r);
        var actual = new byte[8];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(actual, l);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(actual.AsSpan(4), r);
        Assert.Equal(expected, actual);
    }

    /// <summary>pi = 16 atan(1/5) - 4 atan(1/239) in fixed point: the first <paramref name="count"/> 32-bit words after "3.".</summary>
    private static uint[] PiWords(int count)
    {
        int bits = count * 32 + 64;
        BigInteger one = BigInteger.One << bits;
        BigInteger pi = 16 * Atan(5, one) - 4 * Atan(239, one);
        BigInteger fraction = (pi - (3 * one)) >> 64;
        var words = new uint[count];
        for (int i = 0; i < count; i++)
        {
            words[i] = (uint)((fraction >> (32 * (count - 1 - i))) & uint.MaxValue);
        }
        return words;
    }

    private static BigInteger Atan(int x, BigInteger one)
    {
        BigInteger term = one / x, total = term, x2 = x * x;
        for (int n = 1, sign = -1; !term.IsZero; n++, sign = -sign)
        {
            term /= x2;
            total += sign * (term / (2 * n + 1));
        }
        return total;
    }
}
