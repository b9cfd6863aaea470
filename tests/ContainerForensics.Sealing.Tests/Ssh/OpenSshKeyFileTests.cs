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

    /// <summary>bcrypt_pbkdf, the one KDF written here, against keys ssh-keygen protected.</summary>
    [ToolFact("ssh-keygen")]
    public void Reads_keys_protected_by_a_passphrase_with_every_key_cipher()
    {
        using var dir = new TempDir();
        string[] ciphers = ["aes256-ctr", "aes128-ctr", "aes192-ctr", "aes256-cbc", "aes128-cbc", "aes256-gcm@openssh.com", "aes128-gcm@openssh.com"];
        foreach (string cipher in ciphers)
        {
            string name = "k-" + cipher.Replace('@', '_');
            string path = SshKeygen.Generate(dir, cipher.Contains("cbc") ? "ecdsa" : "ed25519", name, passphrase: "correct horse ☃", cipher: cipher);
            Assert.True(OpenSshKeyFile.IsProtected(File.ReadAllText(path)));
            var key = SshKeygen.Load(path, "correct horse ☃");
            Assert.Equal(SshKeygen.PublicKey(path), key.PublicKey);
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

    [ToolFact("ssh-keygen")]
    public void A_wrong_or_missing_passphrase_is_said_so()
    {
        using var dir = new TempDir();
        string path = SshKeygen.Generate(dir, "ed25519", "k", passphrase: "right");
        var wrong = Assert.Throws<SshPassphraseException>(() => SshKeygen.Load(path, "wrong"));
        Assert.Contains("wrong passphrase", wrong.Message);
        var none = Assert.Throws<SshPassphraseException>(() => SshKeygen.Load(path));
        Assert.Contains("none was given", none.Message);
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

    private static string Fingerprint(string path) =>
        Tool.Ok("ssh-keygen", ["-l", "-E", "sha256", "-f", path + ".pub"]).Text.Split(' ')[1];
}
