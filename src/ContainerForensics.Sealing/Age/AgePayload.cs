using System.Security.Cryptography;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// The payload's STREAM construction (C2SP age, "Payload"): a 16-byte nonce, the key
/// HKDF-SHA-256(file key, nonce, "payload"), 64 KiB chunks sealed with ChaCha20-Poly1305 under
/// the nonce "11-byte big-endian chunk counter || last-chunk flag".
/// </summary>
internal static class AgePayload
{
    public const int ChunkSize = 64 * 1024;
    public const int TagSize = 16;
    public const int EncryptedChunkSize = ChunkSize + TagSize;
    public const int NonceSize = 16;

    public static byte[] Key(ReadOnlySpan<byte> fileKey, ReadOnlySpan<byte> nonce) => AgeAead.Hkdf(fileKey, nonce, "payload"u8);

    /// <summary>The chunk nonce after <paramref name="nonce"/>: the 88-bit counter plus one, flag cleared.</summary>
    public static void Increment(Span<byte> nonce)
    {
        for (int i = 10; i >= 0; i--)
        {
            if (++nonce[i] != 0)
            {
                return;
            }
        }
        throw new CryptographicException("the age chunk counter wrapped around"); // 2^88 chunks: unreachable
    }
}
