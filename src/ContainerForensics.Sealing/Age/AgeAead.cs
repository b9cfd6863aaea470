using System.Security.Cryptography;

namespace ContainerForensics.Sealing.Age;

/// <summary>ChaCha20-Poly1305 (RFC 7539, .NET's) with the all-zero nonce, for wrapping a file key under a one-time key.</summary>
internal static class AgeAead
{
    public const int TagSize = 16;

    public static byte[] Seal(ReadOnlySpan<byte> key, ReadOnlySpan<byte> plaintext)
    {
        var output = new byte[plaintext.Length + TagSize];
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(stackalloc byte[12], plaintext, output.AsSpan(0, plaintext.Length), output.AsSpan(plaintext.Length));
        return output;
    }

    /// <summary>Null when the tag does not match.</summary>
    public static byte[]? Open(ReadOnlySpan<byte> key, ReadOnlySpan<byte> sealedData)
    {
        if (sealedData.Length < TagSize)
        {
            return null;
        }
        var output = new byte[sealedData.Length - TagSize];
        using var aead = new ChaCha20Poly1305(key);
        try
        {
            aead.Decrypt(stackalloc byte[12], sealedData[..^TagSize], sealedData[^TagSize..], output);
            return output;
        }
        catch (AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>HKDF-SHA-256 to 32 bytes (RFC 5869), as the age spec uses it everywhere.</summary>
    public static byte[] Hkdf(ReadOnlySpan<byte> ikm, ReadOnlySpan<byte> salt, ReadOnlySpan<byte> info)
    {
        var key = new byte[32];
        if (ikm.IsEmpty)
        {
            // .NET's HKDF (OpenSSL underneath) refuses empty keying material, which the ssh-ed25519
            // tweak uses: HKDF-Extract is HMAC(salt, ikm) by definition (RFC 5869 2.2).
            HKDF.Expand(HashAlgorithmName.SHA256, HMACSHA256.HashData(salt, ikm), key, info);
            return key;
        }
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, key, salt, info);
        return key;
    }
}
