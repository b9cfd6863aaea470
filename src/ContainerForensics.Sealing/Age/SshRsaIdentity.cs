using ContainerForensics.Sealing.Ssh;
using Org.BouncyCastle.Crypto;

namespace ContainerForensics.Sealing.Age;

/// <summary>An RSA SSH private key opening age's <c>ssh-rsa</c> stanzas (see <see cref="SshRsaRecipient"/>).</summary>
public sealed class SshRsaIdentity(SshPrivateKey key) : IAgeIdentity
{
    public string Describe() => $"SSH key {key.PublicKey.Describe()}";

    public byte[]? Unwrap(IReadOnlyList<AgeStanza> stanzas)
    {
        string tag = SshEd25519Recipient.Tag(key.PublicKey);
        foreach (var stanza in stanzas.Where(s => s.Type == SshRsaRecipient.StanzaType))
        {
            if (stanza.Args.Count != 1)
            {
                throw new AgeException(AgeFailure.Header, "an ssh-rsa stanza must have exactly one argument");
            }
            if (stanza.Args[0] != tag)
            {
                continue;
            }
            var oaep = SshRsaRecipient.Oaep();
            oaep.Init(false, key.ToBouncyRsa());
            try
            {
                return oaep.ProcessBlock(stanza.Body, 0, stanza.Body.Length);
            }
            catch (InvalidCipherTextException)
            {
                throw new AgeException(AgeFailure.Header, $"the ssh-rsa stanza for {key.PublicKey.Describe()} does not open: the header was changed");
            }
        }
        return null;
    }
}
