using System.Security.Cryptography;
using ContainerForensics.Sealing.Ssh;
using Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerForensics.Sealing.Age;

/// <summary>An Ed25519 SSH private key opening age's <c>ssh-ed25519</c> stanzas (see <see cref="SshEd25519Recipient"/>).</summary>
public sealed class SshEd25519Identity : IAgeIdentity
{
    private readonly SshPublicKey _key;
    private readonly byte[] _secret;
    private readonly byte[] _montgomery = new byte[32];

    public SshEd25519Identity(SshPrivateKey key)
    {
        _key = key.PublicKey;
        // The X25519 scalar of an Ed25519 key: the first half of sha512(seed), as Ed25519 itself derives it.
        _secret = SHA512.HashData(key.Ed25519Seed)[..32];
        X25519.ScalarMultBase(_secret, 0, _montgomery, 0);
    }

    public string Describe() => $"SSH key {_key.Describe()}";

    public byte[]? Unwrap(IReadOnlyList<AgeStanza> stanzas)
    {
        string tag = SshEd25519Recipient.Tag(_key);
        foreach (var stanza in stanzas.Where(s => s.Type == SshEd25519Recipient.StanzaType))
        {
            if (stanza.Args.Count != 2)
            {
                throw new AgeException(AgeFailure.Header, "an ssh-ed25519 stanza must have exactly two arguments");
            }
            byte[] share = AgeBase64.Decode(stanza.Args[1], "an ssh-ed25519 stanza's ephemeral share");
            if (share.Length != 32)
            {
                throw new AgeException(AgeFailure.Header, "an ssh-ed25519 stanza's ephemeral share is not 32 bytes");
            }
            if (stanza.Args[0] != tag)
            {
                continue; // another key's stanza
            }
            var shared = new byte[32];
            if (!X25519.CalculateAgreement(_secret, 0, share, 0, shared, 0))
            {
                throw new AgeException(AgeFailure.Header, "an ssh-ed25519 stanza's ephemeral share is a low-order point");
            }
            var tweaked = new byte[32];
            X25519.ScalarMult(SshEd25519Recipient.Tweak(_key), 0, shared, 0, tweaked, 0);
            byte[] wrapKey = AgeAead.Hkdf(tweaked, [.. share, .. _montgomery], SshEd25519Recipient.Label);
            return AgeAead.Open(wrapKey, stanza.Body)
                ?? throw new AgeException(AgeFailure.Header, $"the ssh-ed25519 stanza for {_key.Describe()} does not open: the header was changed");
        }
        return null;
    }
}
