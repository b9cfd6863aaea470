using Org.BouncyCastle.Math.EC.Rfc7748;

namespace ContainerForensics.Sealing.Age;

/// <summary>age's native identity, <c>AGE-SECRET-KEY-1...</c>: opens X25519 stanzas (C2SP age, "The X25519 recipient type").</summary>
public sealed class X25519Identity : IAgeIdentity
{
    private const string Hrp = "age-secret-key-";
    private readonly byte[] _secret;
    private readonly byte[] _publicKey = new byte[32];

    private X25519Identity(byte[] secret)
    {
        _secret = secret;
        X25519.ScalarMultBase(secret, 0, _publicKey, 0);
    }

    public X25519Recipient Recipient => new(_publicKey);

    public string Describe() => $"age identity of {Recipient.Encoded}";

    public static bool TryParse(string text, out X25519Identity? identity)
    {
        identity = null;
        if (!Bech32.TryDecode(text, out string hrp, out byte[] data) || hrp != Hrp || data.Length != 32 || text != text.ToUpperInvariant())
        {
            return false;
        }
        identity = new X25519Identity(data);
        return true;
    }

    public byte[]? Unwrap(IReadOnlyList<AgeStanza> stanzas)
    {
        foreach (var stanza in stanzas.Where(s => s.Type == X25519Recipient.StanzaType))
        {
            if (stanza.Args.Count != 1)
            {
                throw new AgeException(AgeFailure.Header, "an X25519 stanza must have exactly one argument");
            }
            byte[] share = AgeBase64.Decode(stanza.Args[0], "an X25519 stanza's ephemeral share");
            if (share.Length != 32)
            {
                throw new AgeException(AgeFailure.Header, "an X25519 stanza's ephemeral share is not 32 bytes");
            }
            if (stanza.Body.Length != 16 + AgeAead.TagSize)
            {
                throw new AgeException(AgeFailure.Header, "an X25519 stanza's body is not a wrapped 16-byte file key");
            }
            var shared = new byte[32];
            if (!X25519.CalculateAgreement(_secret, 0, share, 0, shared, 0))
            {
                throw new AgeException(AgeFailure.Header, "an X25519 stanza's ephemeral share is a low-order point");
            }
            byte[] wrapKey = AgeAead.Hkdf(shared, [.. share, .. _publicKey], X25519Recipient.Label);
            if (AgeAead.Open(wrapKey, stanza.Body) is { } fileKey)
            {
                return fileKey;
            }
            // Another recipient's X25519 stanza: try the next.
        }
        return null;
    }
}
