using System.Security.Cryptography;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// bcrypt_pbkdf, the KDF of passphrase-protected OpenSSH keys (PROTOCOL.key, kdfname "bcrypt";
/// OpenBSD's bcrypt_pbkdf.c): PBKDF2 with a bcrypt-based hash in place of HMAC, whose output
/// blocks are interleaved rather than concatenated. Neither .NET nor BouncyCastle has it (it is
/// in no standard); SHA-512 is .NET's and Blowfish's key schedule is <see cref="EksBlowfish"/>.
/// </summary>
internal static class BcryptPbkdf
{
    /// <summary>ssh-keygen's default is 16 (-a); a key file asking for more than this is refused rather than run for minutes.</summary>
    public const uint MaxRounds = 1000;

    private const int HashSize = 32;
    private static readonly byte[] Magic = "OxychromaticBlowfishSwatDynamite"u8.ToArray();

    public static byte[] Derive(ReadOnlySpan<byte> passphrase, ReadOnlySpan<byte> salt, int length, uint rounds)
    {
        if (rounds < 1 || passphrase.IsEmpty || salt.IsEmpty || length < 1 || length > HashSize * HashSize || salt.Length > 1 << 20)
        {
            throw new ArgumentException("bcrypt_pbkdf: no passphrase, no salt, no rounds or an impossible key length");
        }
        if (rounds > MaxRounds)
        {
            throw new SshFormatException($"the key's bcrypt KDF asks for {rounds} rounds (at most {MaxRounds} are run)");
        }
        var key = new byte[length];
        int stride = (length + HashSize - 1) / HashSize;
        int amount = (length + stride - 1) / stride;
        byte[] sha2pass = SHA512.HashData(passphrase);
        var countSalt = new byte[salt.Length + 4];
        salt.CopyTo(countSalt);
        Span<byte> sha2salt = stackalloc byte[64];
        Span<byte> output = stackalloc byte[HashSize];
        Span<byte> tmp = stackalloc byte[HashSize];
        int remaining = length;
        for (uint count = 1; remaining > 0; count++)
        {
            countSalt[salt.Length] = (byte)(count >> 24);
            countSalt[salt.Length + 1] = (byte)(count >> 16);
            countSalt[salt.Length + 2] = (byte)(count >> 8);
            countSalt[salt.Length + 3] = (byte)count;
            SHA512.HashData(countSalt, sha2salt);
            Hash(sha2pass, sha2salt, tmp);
            tmp.CopyTo(output);
            for (uint r = 1; r < rounds; r++)
            {
                SHA512.HashData(tmp, sha2salt);
                Hash(sha2pass, sha2salt, tmp);
                for (int j = 0; j < HashSize; j++)
                {
                    output[j] ^= tmp[j];
                }
            }
            // Not PBKDF2's concatenation: byte i of block `count` goes to i * stride + count - 1.
            amount = Math.Min(amount, remaining);
            int i;
            for (i = 0; i < amount; i++)
            {
                int dest = i * stride + (int)(count - 1);
                if (dest >= length)
                {
                    break;
                }
                key[dest] = output[i];
            }
            remaining -= i;
        }
        CryptographicOperations.ZeroMemory(sha2pass);
        return key;
    }

    /// <summary>bcrypt_hash: 64 rounds of the expensive key schedule, then "OxychromaticBlowfishSwatDynamite" enciphered 64 times, words out little-endian.</summary>
    private static void Hash(ReadOnlySpan<byte> sha2pass, ReadOnlySpan<byte> sha2salt, Span<byte> output)
    {
        var state = new EksBlowfish();
        state.ExpandState(sha2salt, sha2pass);
        for (int i = 0; i < 64; i++)
        {
            state.ExpandZeroState(sha2salt);
            state.ExpandZeroState(sha2pass);
        }
        Span<uint> data = stackalloc uint[8];
        int at = 0;
        for (int i = 0; i < data.Length; i++)
        {
            data[i] = EksBlowfish.StreamToWord(Magic, ref at);
        }
        for (int i = 0; i < 64; i++)
        {
            for (int b = 0; b < data.Length; b += 2)
            {
                state.Encipher(ref data[b], ref data[b + 1]);
            }
        }
        for (int i = 0; i < data.Length; i++)
        {
            output[4 * i] = (byte)data[i];
            output[4 * i + 1] = (byte)(data[i] >> 8);
            output[4 * i + 2] = (byte)(data[i] >> 16);
            output[4 * i + 3] = (byte)(data[i] >> 24);
        }
    }
}
