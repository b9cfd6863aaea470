using ContainerForensics.Sealing.Ssh;
using Org.BouncyCastle.Crypto.Digests;
using Org.BouncyCastle.Crypto.Encodings;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace ContainerForensics.Sealing.Age;

/// <summary>
/// age's <c>ssh-rsa</c> recipient (filippo.io/age/agessh): the file key encrypted with RSA-OAEP,
/// SHA-256 and MGF1-SHA-256, label "age-encryption.org/v1/ssh-rsa"; the stanza
/// "-> ssh-rsa TAG". RSA-OAEP is BouncyCastle's because .NET's takes no label.
/// </summary>
public sealed class SshRsaRecipient : IAgeRecipient
{
    internal const string StanzaType = "ssh-rsa";
    internal static readonly byte[] Label = "age-encryption.org/v1/ssh-rsa"u8.ToArray();

    private readonly SshPublicKey _key;

    public SshRsaRecipient(SshPublicKey key)
    {
        if (key.Type != SshPublicKey.Rsa)
        {
            throw new ArgumentException("not an ssh-rsa key", nameof(key));
        }
        _key = key;
    }

    public string Describe() => $"ssh-rsa {_key.Fingerprint}";

    public AgeStanza Wrap(ReadOnlySpan<byte> fileKey)
    {
        var (e, n) = _key.RsaKey!.Value;
        var oaep = Oaep();
        oaep.Init(true, new ParametersWithRandom(
            new RsaKeyParameters(false, new Org.BouncyCastle.Math.BigInteger(1, n), new Org.BouncyCastle.Math.BigInteger(1, e)), new SecureRandom()));
        byte[] body = oaep.ProcessBlock(fileKey.ToArray(), 0, fileKey.Length);
        return new AgeStanza(StanzaType, [SshEd25519Recipient.Tag(_key)], body);
    }

    internal static OaepEncoding Oaep() => new(new RsaBlindedEngine(), new Sha256Digest(), new Sha256Digest(), Label);
}
