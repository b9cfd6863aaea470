namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// The Blowfish state with the "expensive key schedule" of bcrypt (Provos and Mazières, 1999),
/// as OpenBSD's blowfish.c gives it to bcrypt_pbkdf: <see cref="ExpandState"/> (key and salt),
/// <see cref="ExpandZeroState"/> (key only) and the encipherment. BouncyCastle's BlowfishEngine
/// and BCrypt keep their state private, so the schedule bcrypt_pbkdf needs is written here.
/// </summary>
internal sealed class EksBlowfish
{
    private const int Rounds = 16;

    private readonly uint[] _p = (uint[])BlowfishInitialState.P.Clone();
    private readonly uint[] _s = (uint[])BlowfishInitialState.S.Clone();

    /// <summary>Blowfish_expandstate: the P-array XORed with the key, then P and S re-derived by enciphering the salt stream.</summary>
    public void ExpandState(ReadOnlySpan<byte> salt, ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < Rounds + 2; i++)
        {
            _p[i] ^= StreamToWord(key, ref j);
        }
        j = 0;
        uint l = 0, r = 0;
        for (int i = 0; i < Rounds + 2; i += 2)
        {
            l ^= StreamToWord(salt, ref j);
            r ^= StreamToWord(salt, ref j);
            Encipher(ref l, ref r);
            _p[i] = l;
            _p[i + 1] = r;
        }
        for (int i = 0; i < _s.Length; i += 2)
        {
            l ^= StreamToWord(salt, ref j);
            r ^= StreamToWord(salt, ref j);
            Encipher(ref l, ref r);
            _s[i] = l;
            _s[i + 1] = r;
        }
    }

    /// <summary>Blowfish_expand0state: as <see cref="ExpandState"/> with a salt of zeros; also the plain Blowfish key schedule from the initial state.</summary>
    public void ExpandZeroState(ReadOnlySpan<byte> key)
    {
        int j = 0;
        for (int i = 0; i < Rounds + 2; i++)
        {
            _p[i] ^= StreamToWord(key, ref j);
        }
        uint l = 0, r = 0;
        for (int i = 0; i < Rounds + 2; i += 2)
        {
            Encipher(ref l, ref r);
            _p[i] = l;
            _p[i + 1] = r;
        }
        for (int i = 0; i < _s.Length; i += 2)
        {
            Encipher(ref l, ref r);
            _s[i] = l;
            _s[i + 1] = r;
        }
    }

    public void Encipher(ref uint left, ref uint right)
    {
        uint l = left ^ _p[0];
        uint r = right;
        for (int i = 1; i <= Rounds; i += 2)
        {
            r ^= F(l) ^ _p[i];
            l ^= F(r) ^ _p[i + 1];
        }
        left = r ^ _p[Rounds + 1];
        right = l;
    }

    private uint F(uint x) =>
        ((_s[x >> 24] + _s[0x100 + ((x >> 16) & 0xFF)]) ^ _s[0x200 + ((x >> 8) & 0xFF)]) + _s[0x300 + (x & 0xFF)];

    /// <summary>Blowfish_stream2word: the next four bytes, big-endian, cycling through <paramref name="data"/>.</summary>
    public static uint StreamToWord(ReadOnlySpan<byte> data, ref int at)
    {
        uint word = 0;
        for (int i = 0; i < 4; i++)
        {
            if (at >= data.Length)
            {
                at = 0;
            }
            word = (word << 8) | data[at++];
        }
        return word;
    }
}
