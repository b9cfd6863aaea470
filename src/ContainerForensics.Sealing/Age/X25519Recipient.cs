using System.Security.Cryptography;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// age's native recipient (C2SP age, "The X25519 recipient type"): <c>age1...</c>, a Curve25519
/// public key. The stanza is "-> X25519 EPHEMERAL-SHARE" over the file key sealed under
/// HKDF-SHA-256(shared secret, ephemeral share || recipient, "age-encryption.org/v1/X25519").
/// X25519 itself is BouncyCastle's (.NET has none).
/// </summary>
public sealed class X25519Recipient : IAgeRecipient
{
    internal const string StanzaType = "X25519";
    internal static readonly byte[] Label = "age-encryption.org/v1/X25519"u8.ToArray();
    private const string Hrp = "age";

    private readonly byte[] _publicKey;

    internal X25519Recipient(byte[] publicKey) => _publicKey = publicKey;

    public string Encoded => Bech32.Encode(Hrp, _publicKey);

    public string Describe() => Encoded;

    public static bool TryParse(string text, out X25519Recipient? recipient)
    {
        recipient = null;
        if (!Bech32.TryDecode(text, out string hrp, out byte[] data) || hrp != Hrp || data.Length != 32 || text != text.ToLowerInvariant())
        {
            return false;
        }
        recipient = new X25519Recipient(data);
        return true;
    }

    public AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        byte[] ephemeral = RandomNumberGenerator.GetBytes(32);
        var share = new byte[32];
        X25519.ScalarMultBase(ephemeral, 0, share, 0);
        var shared = new byte[32];
        if (!X25519.CalculateAgreement(ephemeral, 0, _publicKey, 0, shared, 0))
        {
            throw new AgeException(AgeFailure.Header, $"the recipient {Encoded} is a low-order point: no key can be agreed with it");
        }
        byte[] wrapKey = AgeAead.Hkdf(shared, [.. share, .. _publicKey], Label);
        return new AgeStanza(StanzaType, [AgeBase64.Encode(share)], AgeAead.Seal(wrapKey, fileKey));
    }
}
