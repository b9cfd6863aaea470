using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Sealing.Tests.Ssh;

/// <summary>Private keys as the real ssh-keygen writes them, unprotected and protected by each cipher it offers for keys.</summary>
public sealed class OpenSshKeyFileTests
{
    [ToolFact("ssh-keygen")]
    public void Reads_unprotected_keys_of_every_type()
    {
        using var dir = new TempDir();
        foreach (var (type, bits) in new[] { ("ed25519", (int?)null), ("ecdsa", 256), ("ecdsa", 384), ("ecdsa", 521), ("rsa", 3072) })
        {
            string path = SshKeygen.Generate(dir, type, $"{type}{bits}", bits: bits);
            var key = SshKeygen.Load(path);
            var expected = SshKeygen.PublicKey(path);
            Assert.Equal(expected, key.PublicKey);
            Assert.Equal($"{type}{bits}@cfir-test", key.PublicKey.Comment);
            Assert.Equal(Fingerprint(path), key.PublicKey.Fingerprint);
        }
    }

    /// <summary>SSH.NET's bcrypt_pbkdf and key ciphers, against keys ssh-keygen protected: each cipher, each key type in turn.</summary>
    [ToolFact("ssh-keygen")]
    public void Reads_keys_protected_by_a_passphrase_with_every_key_cipher()
    {
        using var dir = new TempDir();
        string[] ciphers = ["aes256-ctr", "aes128-ctr", "aes192-ctr", "aes256-cbc", "aes128-cbc", "aes192-cbc", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com", "chacha20-poly1305@openssh.com", "3des-cbc"];
        string[] types = ["ed25519", "ecdsa", "rsa"];
        for (int i = 0; i < ciphers.Length; i++)
        {
            string cipher = ciphers[i], type = types[i % types.Length];
            string name = $"k-{type}-{cipher.Replace('@', '_')}";
            string path = SshKeygen.Generate(dir, type, name, passphrase: "correct horse ☃", cipher: cipher, bits: type == "rsa" ? 2048 : null);
            Assert.True(OpenSshKeyFile.IsProtected(File.ReadAllText(path)));
            var key = SshKeygen.Load(path, "correct horse ☃");
            Assert.Equal(SshKeygen.PublicKey(path), key.PublicKey);
            Assert.Equal($"{name}@cfir-test", key.PublicKey.Comment);
        }
    }

    [ToolFact("ssh-keygen")]
    public void A_protected_rsa_key_with_more_kdf_rounds_reads()
    {
        using var dir = new TempDir();
        string path = dir.File("rsa-a32");
        Tool.Ok("ssh-keygen", ["-q", "-t", "rsa", "-b", "2048", "-a", "32", "-N", "pw", "-f", path]);
        Assert.Equal(SshKeygen.PublicKey(path), SshKeygen.Load(path, "pw").PublicKey);
    }

    /// <summary>A stream or block cipher (check integers differ) and an AEAD (its tag fails) each say "wrong passphrase".</summary>
    [ToolFact("ssh-keygen")]
    public void A_wrong_or_missing_passphrase_is_said_so()
    {
        using var dir = new TempDir();
        foreach (string cipher in new[] { "aes256-ctr", "aes256-cbc", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com" })
        {
            string path = SshKeygen.Generate(dir, "ed25519", "k-" + cipher.Replace('@', '_'), passphrase: "right", cipher: cipher);
            var wrong = Assert.Throws<SshPassphraseException>(() => SshKeygen.Load(path, "wrong"));
            Assert.Equal("wrong passphrase for the key", wrong.Message);
            var none = Assert.Throws<SshPassphraseException>(() => SshKeygen.Load(path));
            Assert.Contains("none was given", none.Message);
        }
    }

    [ToolFact("ssh-keygen")]
    public void A_cipher_cfir_does_not_read_is_named()
    {
        using var dir = new TempDir();
        string path = SshKeygen.Generate(dir, "ed25519", "k", passphrase: "right", cipher: "aes256-ctr");
        string text = Rewrite(File.ReadAllText(path), "aes256-ctr"u8, "serpent-ct"u8);
        var ex = Assert.Throws<SshFormatException>(() => OpenSshKeyFile.Parse(text, "right"u8));
        Assert.Contains("the cipher serpent-ct, which cfir does not read", ex.Message);
    }

    [ToolFact("ssh-keygen")]
    public void A_damaged_private_part_is_refused_as_damage()
    {
        using var dir = new TempDir();
        string path = SshKeygen.Generate(dir, "ed25519", "k");
        string text = File.ReadAllText(path);
        byte[] body = Body(text);
        int comment = body.AsSpan().LastIndexOf("k@cfir-test"u8);
        body[comment - 4 - 64 + 5] ^= 0x55; // in the Ed25519 seed, which precedes the comment's length
        var ex = Assert.Throws<SshFormatException>(() => OpenSshKeyFile.Parse(Armor(body), []));
        Assert.Contains("is not its private key's", ex.Message);
    }

    [ToolFact("ssh-keygen")]
    public void Reads_pem_and_pkcs8_keys()
    {
        using var dir = new TempDir();
        string rsa = SshKeygen.Generate(dir, "rsa", "pem-rsa", bits: 2048, format: "PEM");
        Assert.Equal(SshKeygen.PublicKey(rsa), SshKeygen.Load(rsa).PublicKey.WithComment("pem-rsa@cfir-test"));
        string ec = SshKeygen.Generate(dir, "ecdsa", "pkcs8-ec", format: "PKCS8");
        Assert.Equal(SshKeygen.PublicKey(ec), SshKeygen.Load(ec).PublicKey.WithComment("pkcs8-ec@cfir-test"));
    }

    [Fact]
    public void A_damaged_or_foreign_file_is_refused_with_a_reason()
    {
        Assert.Contains("not a private key", Assert.Throws<SshFormatException>(() => OpenSshKeyFile.Parse("hello", [])).Message);
        var cut = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB\n";
        Assert.Contains("no END line", Assert.Throws<SshFormatException>(() => OpenSshKeyFile.Parse(cut, [])).Message);
    }

    private static byte[] Body(string text) =>
        Convert.FromBase64String(string.Concat(text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("-----", StringComparison.Ordinal))));

    private static string Armor(byte[] body) =>
        $"-----BEGIN OPENSSH PRIVATE KEY-----\n{Convert.ToBase64String(body, Base64FormattingOptions.InsertLineBreaks)}\n-----END OPENSSH PRIVATE KEY-----\n";

    /// <summary>Replaces a header string by one of the same length.</summary>
    private static string Rewrite(string text, ReadOnlySpan<byte> from, ReadOnlySpan<byte> to)
    {
        byte[] body = Body(text);
        int at = body.AsSpan().IndexOf(from);
        Assert.True(at > 0);
        to.CopyTo(body.AsSpan(at));
        return Armor(body);
    }

    private static string Fingerprint(string path) =>
        Tool.Ok("ssh-keygen", ["-l", "-E", "sha256", "-f", path + ".pub"]).Text.Split(' ')[1];
}
