using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace ContainerForensics.Sealing.Ssh;

/// <summary>
/// Reads a private key file as ssh-keygen writes it: the <c>openssh-key-v1</c> format
/// (PROTOCOL.key), unprotected or protected with a passphrase (KDF bcrypt, cipher aes128/192/256-ctr,
/// aes128/256-cbc or aes128/256-gcm@openssh.com), and the older PEM forms .NET reads (PKCS#1 RSA,
/// SEC 1 EC, PKCS#8, encrypted PKCS#8).
/// </summary>
public static class OpenSshKeyFile
{
    private const string Begin = "-----BEGIN OPENSSH PRIVATE KEY-----";
    private const string End = "-----END OPENSSH PRIVATE KEY-----";
    private static readonly byte[] Magic = "openssh-key-v1\0"u8.ToArray();

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
            return ParseOpenSsh(Body(text), passphrase);
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

    private static SshPrivateKey ParseOpenSsh(SshWireReader r, ReadOnlySpan<byte> passphrase)
    {
        r.ReadBytes(Magic.Length);
        string cipher = r.ReadText();
        string kdf = r.ReadText();
        var kdfOptions = r.ReadString();
        uint count = r.ReadUInt32();
        if (count != 1)
        {
            throw new SshFormatException($"the key file holds {count} keys (OpenSSH writes one)");
        }
        var publicBlob = r.ReadString();
        var encrypted = r.ReadString();
        var spec = CipherSpec.Of(cipher);
        var tag = r.ReadBytes(spec.TagLength);
        r.ExpectEnd();
        if (encrypted.Length < spec.BlockSize || encrypted.Length % spec.BlockSize != 0)
        {
            throw new SshFormatException("the key's private part is not a whole number of cipher blocks");
        }

        byte[] plain;
        if (cipher == "none")
        {
            if (kdf != "none")
            {
                throw new SshFormatException($"an unencrypted key with the KDF {kdf}");
            }
            plain = encrypted.ToArray();
        }
        else
        {
            if (kdf != "bcrypt")
            {
                throw new SshFormatException($"the key is protected with the KDF {kdf} (only bcrypt is known)");
            }
            if (passphrase.IsEmpty)
            {
                throw new SshPassphraseException("the key is protected by a passphrase, and none was given");
            }
            var options = new SshWireReader(kdfOptions, "the key's KDF options");
            var salt = options.ReadString();
            uint rounds = options.ReadUInt32();
            byte[] keyIv = BcryptPbkdf.Derive(passphrase, salt.Span, spec.KeyLength + spec.IvLength, rounds);
            try
            {
                plain = spec.Decrypt(keyIv.AsSpan(0, spec.KeyLength), keyIv.AsSpan(spec.KeyLength), encrypted.Span, tag.Span);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(keyIv);
            }
        }

        var p = new SshWireReader(plain, "the key's private part");
        if (p.ReadUInt32() != p.ReadUInt32())
        {
            throw cipher == "none"
                ? new SshFormatException("the key's check integers differ: the file is damaged")
                : new SshPassphraseException("wrong passphrase for the key");
        }
        var key = ReadPrivate(p);
        CheckPadding(p.Rest().Span);
        CryptographicOperations.ZeroMemory(plain);
        if (!key.PublicKey.Blob.SequenceEqual(publicBlob.Span))
        {
            throw new SshFormatException("the key file's public key is not its private key's");
        }
        return key;
    }

    /// <summary>One private key as ssh-agent encodes it (PROTOCOL.key section 3), then its comment.</summary>
    private static SshPrivateKey ReadPrivate(SshWireReader p)
    {
        string type = p.ReadText();
        switch (type)
        {
            case SshPublicKey.Ed25519:
            {
                var pk = p.ReadString();
                var sk = p.ReadString();
                string comment = p.ReadText();
                if (pk.Length != 32 || sk.Length != 64 || !sk.Span[32..].SequenceEqual(pk.Span))
                {
                    throw new SshFormatException("a malformed Ed25519 private key");
                }
                var key = SshPrivateKey.FromEd25519(sk[..32].ToArray(), comment);
                if (!key.PublicKey.Blob.SequenceEqual(new SshWireWriter().WriteString(type).WriteString(pk.Span).ToArray()))
                {
                    throw new SshFormatException("the Ed25519 private key does not match its public key");
                }
                return key;
            }
            case SshPublicKey.Rsa:
            {
                byte[] n = p.ReadMpint(), e = p.ReadMpint(), d = p.ReadMpint(), iqmp = p.ReadMpint(), pp = p.ReadMpint(), q = p.ReadMpint();
                return SshPrivateKey.FromRsa(n, e, d, iqmp, pp, q, p.ReadText());
            }
            case SshPublicKey.EcdsaP256 or SshPublicKey.EcdsaP384 or SshPublicKey.EcdsaP521:
            {
                string curve = p.ReadText();
                byte[] q = p.ReadString().ToArray();
                byte[] d = p.ReadMpint();
                return SshPrivateKey.FromEcdsa(curve, q, d, p.ReadText());
            }
            default:
                throw new SshFormatException($"the key type {type} is not supported (ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa)");
        }
    }

    /// <summary>The private part ends with the bytes 1, 2, 3, ... up to the cipher's block size.</summary>
    private static void CheckPadding(ReadOnlySpan<byte> padding)
    {
        for (int i = 0; i < padding.Length; i++)
        {
            if (padding[i] != (byte)(i + 1))
            {
                throw new SshFormatException("the key's private part has bad padding: the file is damaged");
            }
        }
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
                var parameters = ec.ExportParameters(includePrivateParameters: true);
                string curve = parameters.Curve.Oid.FriendlyName switch
                {
                    "nistP256" or "ECDSA_P256" => "nistp256",
                    "nistP384" or "ECDSA_P384" => "nistp384",
                    "nistP521" or "ECDSA_P521" => "nistp521",
                    var other => throw new SshFormatException($"an EC key on the curve {other} (nistp256, nistp384, nistp521 are supported)"),
                };
                byte[] q = [4, .. parameters.Q.X!, .. parameters.Q.Y!];
                return SshPrivateKey.FromEcdsa(curve, q, parameters.D!, null);
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

    /// <summary>The ciphers OpenSSH protects keys with (cipher.c): key, IV, block and tag sizes, and how to decrypt.</summary>
    private sealed record CipherSpec(string Name, int KeyLength, int IvLength, int BlockSize, int TagLength)
    {
        public static CipherSpec Of(string name) => name switch
        {
            "none" => new(name, 0, 0, 8, 0),
            "aes128-ctr" => new(name, 16, 16, 16, 0),
            "aes192-ctr" => new(name, 24, 16, 16, 0),
            "aes256-ctr" => new(name, 32, 16, 16, 0),
            "aes128-cbc" => new(name, 16, 16, 16, 0),
            "aes192-cbc" => new(name, 24, 16, 16, 0),
            "aes256-cbc" => new(name, 32, 16, 16, 0),
            "aes128-gcm@openssh.com" => new(name, 16, 12, 16, 16),
            "aes256-gcm@openssh.com" => new(name, 32, 12, 16, 16),
            _ => throw new SshFormatException($"the key is protected with the cipher {name}, which cfir does not read (aes*-ctr, aes*-cbc, aes*-gcm@openssh.com; re-protect it with ssh-keygen -p -Z aes256-ctr)"),
        };

        public byte[] Decrypt(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> data, ReadOnlySpan<byte> tag)
        {
            if (Name.EndsWith("-gcm@openssh.com", StringComparison.Ordinal))
            {
                var plain = new byte[data.Length];
                using var gcm = new AesGcm(key, TagLength);
                try
                {
                    gcm.Decrypt(iv, data, tag, plain);
                }
                catch (AuthenticationTagMismatchException)
                {
                    throw new SshPassphraseException("wrong passphrase for the key");
                }
                return plain;
            }
            if (Name.EndsWith("-cbc", StringComparison.Ordinal))
            {
                using var aes = Aes.Create();
                aes.Key = key.ToArray();
                return aes.DecryptCbc(data, iv, PaddingMode.None);
            }
            // CTR mode from BouncyCastle: .NET has none.
            IBufferedCipher ctr = CipherUtilities.GetCipher("AES/CTR/NoPadding");
            ctr.Init(false, new ParametersWithIV(new KeyParameter(key.ToArray()), iv.ToArray()));
            return ctr.DoFinal(data.ToArray());
        }
    }
}
