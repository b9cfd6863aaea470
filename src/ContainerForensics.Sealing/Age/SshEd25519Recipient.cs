using System.Numerics;
using System.Security.Cryptography;
using ContainerForensics.Sealing.Ssh;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// age's <c>ssh-ed25519</c> recipient (filippo.io/age/agessh, which <c>age -R ~/.ssh/id_ed25519.pub</c>
/// uses): the Ed25519 key as its Curve25519 (Montgomery) form, the shared secret tweaked with
/// HKDF(empty, SSH key blob, label), the stanza "-> ssh-ed25519 TAG SHARE", TAG the first 4 bytes
/// of the sha256 of the key's SSH blob.
/// </summary>
public sealed class SshEd25519Recipient : IAgeRecipient
{
    internal const string StanzaType = "ssh-ed25519";
    internal static readonly byte[] Label = "age-encryption.org/v1/ssh-ed25519"u8.ToArray();

    // 2^255 - 19, the field of Curve25519 and of edwards25519.
    private static readonly BigInteger Prime = BigInteger.Pow(2, 255) - 19;

    private readonly SshPublicKey _key;
    private readonly byte[] _montgomery;

    public SshEd25519Recipient(SshPublicKey key)
    {
        if (key.Type != SshPublicKey.Ed25519)
        {
            throw new ArgumentException("not an ssh-ed25519 key", nameof(key));
        }
        _key = key;
        _montgomery = MontgomeryOf(key.Ed25519Point!);
    }

    public string Describe() => $"ssh-ed25519 {_key.Fingerprint}";

    /// <summary>The stanza's tag: base64 of the first 4 bytes of sha256(SSH key blob).</summary>
    internal static string Tag(SshPublicKey key) => AgeBase64.Encode(SHA256.HashData(key.Blob)[..4]);

    /// <summary>The tweak scalar: HKDF-SHA-256(ikm empty, salt = SSH key blob, info = label).</summary>
    internal static byte[] Tweak(SshPublicKey key) => AgeAead.Hkdf([], key.Blob, Label);

    public AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        byte[] ephemeral = RandomNumberGenerator.GetBytes(32);
        var share = new byte[32];
        X25519.ScalarMultBase(ephemeral, 0, share, 0);
        var shared = new byte[32];
        if (!X25519.CalculateAgreement(ephemeral, 0, _montgomery, 0, shared, 0))
        {
            throw new AgeException(AgeFailure.Header, $"the recipient {_key.Describe()} is a low-order point");
        }
        var tweaked = new byte[32];
        X25519.ScalarMult(Tweak(_key), 0, shared, 0, tweaked, 0);
        byte[] wrapKey = AgeAead.Hkdf(tweaked, [.. share, .. _montgomery], Label);
        return new AgeStanza(StanzaType, [Tag(_key), AgeBase64.Encode(share)], AgeAead.Seal(wrapKey, fileKey));
    }

    /// <summary>
    /// An Ed25519 public key's Montgomery u-coordinate, u = (1 + y) / (1 - y) mod p (RFC 7748
    /// section 4.1's birational map). BouncyCastle validates the point; the map is two field
    /// operations here because no library offers it.
    /// </summary>
    internal static byte[] MontgomeryOf(byte[] edwards)
    {
        if (!Org.BouncyCastle.Math.EC.Rfc8032.Ed25519.ValidatePublicKeyFull(edwards, 0))
        {
            throw new AgeException(AgeFailure.Header, "the ssh-ed25519 key is not a valid Ed25519 point");
        }
        byte[] yBytes = (byte[])edwards.Clone();
        yBytes[31] &= 0x7F; // the top bit is x's sign
        var y = new BigInteger(yBytes, isUnsigned: true, isBigEndian: false);
        var denominator = ((1 - y) % Prime + Prime) % Prime;
        var u = (1 + y) * BigInteger.ModPow(denominator, Prime - 2, Prime) % Prime;
        var result = new byte[32];
        u.TryWriteBytes(result, out _, isUnsigned: true, isBigEndian: false);
        return result;
    }
}
