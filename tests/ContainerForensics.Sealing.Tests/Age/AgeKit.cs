using ContainerForensics.Sealing.Age;

namespace ContainerForensics.Sealing.Tests.Age;

/// <summary>Encrypts and decrypts whole byte arrays through the streaming classes.</summary>
internal static class AgeKit
{
    public static byte[] Encrypt(byte[] plain, IReadOnlyList<IAgeRecipient> recipients, int writeSize = 100_003)
    {
        var output = new MemoryStream();
        using (var age = new AgeEncryptStream(output, recipients))
        {
            for (int at = 0; at < plain.Length; at += writeSize)
            {
                age.Write(plain.AsSpan(at, Math.Min(writeSize, plain.Length - at)));
            }
            age.Finish();
        }
        return output.ToArray();
    }

    public static byte[] Decrypt(byte[] file, params IAgeIdentity[] identities)
    {
        using var age = AgeDecryptStream.Open(new MemoryStream(file), identities);
        var plain = new MemoryStream();
        age.CopyTo(plain, 12_345);
        Assert.True(age.Complete);
        return plain.ToArray();
    }

    public static X25519Identity NewIdentity() =>
        X25519Identity.TryParse(Bech32Identity(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)), out var id) ? id! : throw new InvalidOperationException();

    internal static string Bech32Identity(byte[] secret) => Bech32.Encode("AGE-SECRET-KEY-", secret);
}
