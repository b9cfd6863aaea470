using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Sealing.Ssh;

namespace ContainerForensics.Sealing.SshSig;

/// <summary>
/// An SSH signature (OpenSSH PROTOCOL.sshsig): the signer's public key, a namespace, the hash
/// algorithm and the SSH signature over "SSHSIG", the namespace, the reserved field, the hash
/// algorithm's name and the message's hash. What <c>ssh-keygen -Y sign</c> writes and
/// <c>ssh-keygen -Y verify</c> checks; armored as "-----BEGIN SSH SIGNATURE-----".
/// </summary>
public sealed class SshSignature
{
    public const string Sha512 = "sha512";
    public const string Sha256 = "sha256";

    private const string BeginLine = "-----BEGIN SSH SIGNATURE-----";
    private const string EndLine = "-----END SSH SIGNATURE-----";
    private const uint Version = 1;
    private static readonly byte[] Preamble = "SSHSIG"u8.ToArray();

    /// <summary>An armored signature is a few hundred bytes (a 16384-bit RSA one some 5 KiB); a larger SEAL.sig is not read.</summary>
    public const int MaxArmoredSize = 64 * 1024;

    private SshSignature(SshPublicKey publicKey, string @namespace, string hashAlgorithm, byte[] signature)
    {
        PublicKey = publicKey;
        Namespace = @namespace;
        HashAlgorithm = hashAlgorithm;
        Signature = signature;
    }

    public SshPublicKey PublicKey { get; }

    public string Namespace { get; }

    public string HashAlgorithm { get; }

    /// <summary>The SSH signature blob: string algorithm, string signature.</summary>
    public byte[] Signature { get; }

    /// <summary>Signs <paramref name="message"/> in <paramref name="namespace"/> with sha512, as <c>ssh-keygen -Y sign -n NAMESPACE</c> does.</summary>
    public static async Task<SshSignature> SignAsync(ISshSigner signer, ReadOnlyMemory<byte> message, string @namespace, CancellationToken cancellationToken)
    {
        byte[] toSign = SignedData(@namespace, Sha512, SHA512.HashData(message.Span));
        byte[] signature = await signer.SignAsync(toSign, cancellationToken).ConfigureAwait(false);
        return new SshSignature(signer.PublicKey, @namespace, Sha512, signature);
    }

    /// <summary>
    /// Whether this is a valid signature by <see cref="PublicKey"/> over <paramref name="message"/>
    /// in <paramref name="expectedNamespace"/> (sshsig.c: namespace and hash algorithm must be the
    /// expected ones, RSA only with rsa-sha2-512 or -256). Who the key belongs to is not asked here.
    /// </summary>
    public bool Verify(ReadOnlySpan<byte> message, string expectedNamespace, out string? why)
    {
        if (Namespace != expectedNamespace)
        {
            why = $"the signature is for the namespace \"{Namespace}\", not \"{expectedNamespace}\"";
            return false;
        }
        byte[] hash = HashAlgorithm switch
        {
            Sha512 => SHA512.HashData(message),
            Sha256 => SHA256.HashData(message),
            _ => [],
        };
        if (hash.Length == 0)
        {
            why = $"the signature's hash algorithm {HashAlgorithm} is not sha256 or sha512";
            return false;
        }
        return PublicKey.Verify(SignedData(Namespace, HashAlgorithm, hash), Signature, out why);
    }

    /// <summary>PROTOCOL.sshsig section 3: what the key signs.</summary>
    private static byte[] SignedData(string @namespace, string hashAlgorithm, byte[] hash) => new SshWireWriter()
        .WriteRaw(Preamble)
        .WriteString(@namespace)
        .WriteString([])
        .WriteString(hashAlgorithm)
        .WriteString(hash)
        .ToArray();

    /// <summary>PROTOCOL.sshsig section 2: the blob.</summary>
    public byte[] ToBlob() => new SshWireWriter()
        .WriteRaw(Preamble)
        .WriteUInt32(Version)
        .WriteString(PublicKey.Blob)
        .WriteString(Namespace)
        .WriteString([])
        .WriteString(HashAlgorithm)
        .WriteString(Signature)
        .ToArray();

    /// <summary>The armored form, byte for byte as ssh-keygen writes it (base64 wrapped at 70 columns).</summary>
    public byte[] ToArmored()
    {
        string b64 = Convert.ToBase64String(ToBlob());
        var text = new StringBuilder(BeginLine).Append('\n');
        for (int i = 0; i < b64.Length; i += 70)
        {
            text.Append(b64, i, Math.Min(70, b64.Length - i)).Append('\n');
        }
        text.Append(EndLine).Append('\n');
        return Encoding.ASCII.GetBytes(text.ToString());
    }

    public static SshSignature FromBlob(ReadOnlySpan<byte> blob)
    {
        var r = new SshWireReader(blob.ToArray(), "the SSH signature");
        if (!r.ReadBytes(Preamble.Length).Span.SequenceEqual(Preamble))
        {
            throw new SshFormatException("not an SSH signature (no SSHSIG preamble)");
        }
        uint version = r.ReadUInt32();
        if (version != Version)
        {
            throw new SshFormatException($"an SSH signature of version {version} (1 is known)");
        }
        var key = SshPublicKey.FromBlob(r.ReadString().Span);
        string ns = r.ReadText();
        r.ReadString(); // reserved: ignored, as the protocol says
        string hash = r.ReadText();
        byte[] signature = r.ReadString().ToArray();
        r.ExpectEnd();
        if (ns.Length == 0)
        {
            throw new SshFormatException("an SSH signature with an empty namespace");
        }
        return new SshSignature(key, ns, hash, signature);
    }

    /// <summary>Reads the armored form (sshsig_dearmor: the header first, LF or CRLF after it, a LF before the footer).</summary>
    public static SshSignature Parse(ReadOnlySpan<byte> armored)
    {
        if (armored.Length > MaxArmoredSize)
        {
            throw new SshFormatException($"an SSH signature of {armored.Length} bytes (at most {MaxArmoredSize} are read)");
        }
        string text = Encoding.ASCII.GetString(armored);
        if (!text.StartsWith(BeginLine, StringComparison.Ordinal))
        {
            throw new SshFormatException("not an armored SSH signature (no -----BEGIN SSH SIGNATURE----- at its start)");
        }
        int body = BeginLine.Length;
        body += text.AsSpan(body).StartsWith("\r\n") ? 2 : text.AsSpan(body).StartsWith("\n") ? 1 : throw new SshFormatException("the signature's header line has no end");
        int end = text.IndexOf("\n" + EndLine, body - 1, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new SshFormatException("the SSH signature has no -----END SSH SIGNATURE----- line: it is cut");
        }
        string after = text[(end + 1 + EndLine.Length)..];
        if (after is not ("" or "\n" or "\r\n"))
        {
            throw new SshFormatException($"{after.Length} byte(s) follow the SSH signature's END line");
        }
        byte[] blob;
        try
        {
            blob = Convert.FromBase64String(text[body..end]);
        }
        catch (FormatException)
        {
            throw new SshFormatException("the SSH signature's base64 is damaged");
        }
        return FromBlob(blob);
    }
}
