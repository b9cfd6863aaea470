using System.Numerics;
using System.Security.Cryptography;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// Reads a private key file as ssh-keygen writes it: the <c>openssh-key-v1</c> format
/// (PROTOCOL.key), unprotected or protected with a passphrase (KDF bcrypt, the ciphers in
/// <see cref="ReadableCiphers"/>), and the older PEM forms .NET reads (PKCS#1 RSA, SEC 1 EC,
/// PKCS#8, encrypted PKCS#8).
/// </summary>
/// <remarks>
/// The private part of an openssh-key-v1 file, and for a protected one bcrypt_pbkdf and the
/// cipher, are SSH.NET's (<see cref="PrivateKeyFile"/>): cfir writes no primitive. Ours is the
/// outer header, read first to tell a protected key apart, to name what is missing or not
/// supported in words SSH.NET does not use, and to check the private key against the public key
/// the file states.
/// </remarks>
public static class OpenSshKeyFile
{
    private const string Begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string End = "-----END OPENSSH PRIVATE KEY-----";
    private static readonly byte[] Magic = "openssh-key-v1\0"u8.ToArray();

    /// <summary>The ciphers SSH.NET opens a protected key with (its PrivateKeyFile.OpenSSH), as OpenSSH names them.</summary>
    private static readonly string[] ReadableCiphers =
    [
        "aes128-ctr", "aes192-ctr", "aes256-ctr", "aes128-cbc", "aes192-cbc", "aes256-cbc",
        "aes128-gcm@openssh.com", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com", "3des-cbc",
    ];

    private static readonly string[] KeyTypes =
        [SshPublicKey.Ed25519, SshPublicKey.EcdsaP256, SshPublicKey.EcdsaP384, SshPublicKey.EcdsaP521, SshPublicKey.Rsa];

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Whether the key file text is protected by a passphrase (read before asking for one).</summary>
    public static bool IsProtected(string text)
    {
        if (!text.Contains(Begin, StringComparison.Ordinal))
        {
            return text.Contains("ENCRYPTED", StringComparison.Ordinal);
        }
        var r = Body(text);
        r.ReadBytes(Magic.Length);
        return r.ReadText() != "none";
    }

    /// <param name="text">The key file's text.</param>
    /// <param name="passphrase">The passphrase's bytes; empty for an unprotected key.</param>
    public static SshPrivateKey Parse(string text, ReadOnlySpan<byte> passphrase)
    {
        if (text.Contains(Begin, StringComparison.Ordinal))
        {
            return ParseOpenSsh(text, passphrase);
        }
        if (text.Contains("-----BEGIN ", StringComparison.Ordinal))
        {
            return ParsePem(text, passphrase);
        }
        throw new SshFormatException("not a private key file (no -----BEGIN OPENSSH PRIVATE KEY----- or PEM block)");
    }

    private static SshWireReader Body(string text)
    {
        int begin = text.IndexOf(Begin, StringComparison.Ordinal);
        int end = text.IndexOf(End, begin + Begin.Length, StringComparison.Ordinal);
        if (end < 0)
        {
            throw new SshFormatException("the OpenSSH private key has no END line: the file is cut");
        }
        byte[] decoded;
        try
        {
            decoded = Convert.FromBase64String(text[(begin + Begin.Length)..end]);
        }
        catch (FormatException)
        {
            throw new SshFormatException("the OpenSSH private key's base64 is damaged");
        }
        if (!decoded.AsSpan().StartsWith(Magic))
        {
            throw new SshFormatException("not an openssh-key-v1 key");
        }
        return new SshWireReader(decoded, "the private key file");
    }

    private static SshPrivateKey ParseOpenSsh(string text, ReadOnlySpan<byte> passphrase)
    {
        var r = Body(text);
        r.ReadBytes(Magic.Length);
        string cipher = r.ReadText();
        string kdf = r.ReadText();
        r.ReadString(); // the KDF's salt and rounds: SSH.NET reads them
        uint count = r.ReadUInt32();
        if (count != 1)
        {
            throw new SshFormatException($"the key file holds {count} keys (OpenSSH writes one)");
        }
        var publicBlob = r.ReadString();
        string type = new SshWireReader(publicBlob, "the key file's public key").ReadText();
        if (!KeyTypes.Contains(type))
        {
            throw new SshFormatException($"the key type {type} is not supported (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)");
        }

        bool isProtected = cipher != "none";
        string? secret = null;
        if (!isProtected && kdf != "none")
        {
            throw new SshFormatException($"an unencrypted key with the KDF {kdf}");
        }
        if (isProtected)
        {
            if (kdf != "bcrypt")
            {
                throw new SshFormatException($"the key is protected with the KDF {kdf} (only bcrypt is known)");
            }
            if (!ReadableCiphers.Contains(cipher))
            {
                throw new SshFormatException($"the key is protected with the cipher {cipher}, which cfir does not read ({string.Join(", ", ReadableCiphers)}; re-protect it with ssh-keygen -p -Z aes256-ctr)");
            }
            if (passphrase.IsEmpty)
            {
                throw new SshPassphraseException("the key is protected by a passphrase, and none was given");
            }
            try
            {
                secret = StrictUtf8.GetString(passphrase);
            }
            catch (DecoderFallbackException)
            {
                throw new SshPassphraseException("the passphrase is not UTF-8 text, and the key reader (SSH.NET) takes it as text");
            }
        }

        SshPrivateKey key;
        try
        {
            using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text), writable: false);
            using var file = new PrivateKeyFile(stream, secret);
            key = FromSshNet(file.Key);
        }
        catch (SshException ex) when (isProtected && IsWrongPassphrase(ex))
        {
            throw new SshPassphraseException("wrong passphrase for the key");
        }
        catch (Exception ex) when (ex is SshException or ArgumentException or InvalidOperationException or IOException or CryptographicException)
        {
            throw new SshFormatException($"the OpenSSH private key cannot be read: the file is damaged ({ex.Message})", ex);
        }
        if (!key.PublicKey.Blob.SequenceEqual(publicBlob.Span))
        {
            throw new SshFormatException("the key file's public key is not its private key's");
        }
        return key;
    }

    /// <summary>
    /// SSH.NET has no exception of its own for a wrong passphrase. The decrypted check integers
    /// differ (ctr, cbc), or the AEAD tag fails (gcm, chacha20-poly1305: SshConnectionException
    /// "MAC error"). OpenSshKeyFileTests pins both for the version in Directory.Packages.props.
    /// </summary>
    private static bool IsWrongPassphrase(SshException ex) =>
        ex is SshConnectionException || ex.Message.Contains("check bytes", StringComparison.Ordinal);

    /// <summary>The key material SSH.NET read, as cfir signs and decrypts with it.</summary>
    private static SshPrivateKey FromSshNet(Key key)
    {
        static byte[] Bytes(BigInteger value) => value.ToByteArray(isUnsigned: true, isBigEndian: true);
        return key switch
        {
            ED25519Key ed => SshPrivateKey.FromEd25519(ed.PrivateKey.ToArray(), ed.Comment),
            EcdsaKey ec => SshPrivateKey.FromEcdsa(ec.Ecdsa.ExportParameters(includePrivateParameters: true), ec.Comment),
            RsaKey rsa => SshPrivateKey.FromRsa(Bytes(rsa.Modulus), Bytes(rsa.Exponent), Bytes(rsa.D), Bytes(rsa.InverseQ), Bytes(rsa.P), Bytes(rsa.Q), rsa.Comment),
            _ => throw new SshFormatException($"the key type {key} is not supported (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)"),
        };
    }

    /// <summary>The PEM forms .NET imports: RSA and EC keys (ssh-keygen -m PEM, openssl).</summary>
    private static SshPrivateKey ParsePem(string text, ReadOnlySpan<byte> passphrase)
    {
        bool encrypted = text.Contains("ENCRYPTED", StringComparison.Ordinal);
        if (encrypted && passphrase.IsEmpty)
        {
            throw new SshPassphraseException("the key is protected by a passphrase, and none was given");
        }
        try
        {
            if (text.Contains("BEGIN EC PRIVATE KEY", StringComparison.Ordinal) || IsEcPkcs8(text, passphrase, encrypted))
            {
                using var ec = ECDsa.Create();
                Import(ec, text, passphrase, encrypted);
                return SshPrivateKey.FromEcdsa(ec.ExportParameters(includePrivateParameters: true), null);
            }
            using var rsa = RSA.Create();
            Import(rsa, text, passphrase, encrypted);
            return SshPrivateKey.FromRsa(rsa.ExportParameters(includePrivateParameters: true), null);
        }
        catch (CryptographicException ex)
        {
            throw encrypted
                ? new SshPassphraseException($"the PEM key cannot be read: wrong passphrase, or a form .NET does not read ({ex.Message})")
                : new SshFormatException($"the PEM key cannot be read: {ex.Message}", ex);
        }
        catch (ArgumentException ex)
        {
            throw new SshFormatException($"the PEM key cannot be read: {ex.Message}", ex);
        }
    }

    private static void Import(AsymmetricAlgorithm key, string text, ReadOnlySpan<byte> passphrase, bool encrypted)
    {
        if (encrypted)
        {
            key.ImportFromEncryptedPem(text, passphrase);
        }
        else
        {
            key.ImportFromPem(text);
        }
    }

    private static bool IsEcPkcs8(string text, ReadOnlySpan<byte> passphrase, bool encrypted)
    {
        if (!text.Contains("BEGIN PRIVATE KEY", StringComparison.Ordinal) && !text.Contains("BEGIN ENCRYPTED PRIVATE KEY", StringComparison.Ordinal))
        {
            return false;
        }
        using var ec = ECDsa.Create();
        try
        {
            Import(ec, text, passphrase, encrypted);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }
}
