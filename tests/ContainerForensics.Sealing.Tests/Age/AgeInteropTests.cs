using System.Text;
using ContainerForensics.Sealing.Age;
using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Sealing.Tests.Age;

/// <summary>
/// Both directions against Debian's age: files cfir encrypts open with <c>age -d</c> for X25519,
/// ssh-ed25519 and ssh-rsa identities, alone or several recipients at once; files age encrypts
/// open in cfir.
/// </summary>
public sealed class AgeInteropTests
{
    private static readonly byte[] Plain = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 7 % 251)).ToArray();

    [ToolFact("age", "age-keygen")]
    public void Cfir_to_age_with_an_x25519_identity()
    {
        using var dir = new TempDir();
        var (identityFile, recipient) = AgeKeygen(dir, "analyst");
        byte[] file = AgeKit.Encrypt(Plain, AgeKeys.ParseRecipients([recipient], File.ReadAllText));
        Assert.Equal(Plain, AgeDecrypt(dir, file, identityFile));
    }

    [ToolFact("age", "ssh-keygen")]
    public void Cfir_to_age_with_ssh_ed25519_and_ssh_rsa_identities()
    {
        using var dir = new TempDir();
        foreach (var (type, bits) in new[] { ("ed25519", (int?)null), ("rsa", 3072) })
        {
            string key = SshKeygen.Generate(dir, type, "analyst-" + type, bits: bits);
            byte[] file = AgeKit.Encrypt(Plain, AgeKeys.ParseRecipients([File.ReadAllText(key + ".pub")], File.ReadAllText));
            Assert.Equal(Plain, AgeDecrypt(dir, file, key));
        }
    }

    [ToolFact("age", "age-keygen", "ssh-keygen")]
    public void Cfir_to_several_recipients_at_once_each_opens_it()
    {
        using var dir = new TempDir();
        var (ageIdentity, ageRecipient) = AgeKeygen(dir, "lab");
        string ed = SshKeygen.Generate(dir, "ed25519", "alice");
        string rsa = SshKeygen.Generate(dir, "rsa", "bob", bits: 2048);
        File.WriteAllText(dir.File("recipients"), $"# case 42\n{File.ReadAllText(ed + ".pub")}\n{File.ReadAllText(rsa + ".pub")}");
        byte[] file = AgeKit.Encrypt(Plain, AgeKeys.ParseRecipients([ageRecipient, "@" + dir.File("recipients")], File.ReadAllText));
        foreach (string identity in new[] { ageIdentity, ed, rsa })
        {
            Assert.Equal(Plain, AgeDecrypt(dir, file, identity));
        }
    }

    [ToolFact("age", "age-keygen", "ssh-keygen")]
    public void Age_to_cfir_with_every_identity_kind()
    {
        using var dir = new TempDir();
        var (ageIdentity, ageRecipient) = AgeKeygen(dir, "lab");
        string ed = SshKeygen.Generate(dir, "ed25519", "alice");
        string rsa = SshKeygen.Generate(dir, "rsa", "bob", bits: 3072);
        File.WriteAllBytes(dir.File("plain"), Plain);
        Tool.Ok("age", ["-e", "-r", ageRecipient, "-R", ed + ".pub", "-R", rsa + ".pub", "-o", dir.File("plain.age"), dir.File("plain")]);
        byte[] file = File.ReadAllBytes(dir.File("plain.age"));
        foreach (string identity in new[] { ageIdentity, ed, rsa })
        {
            var identities = AgeKeys.ParseIdentities(File.ReadAllText(identity), identity, () => []);
            Assert.Equal(Plain, AgeKit.Decrypt(file, [.. identities]));
        }
    }

    [ToolFact("age", "ssh-keygen")]
    public void Age_to_cfir_with_a_passphrase_protected_ssh_key()
    {
        using var dir = new TempDir();
        string ed = SshKeygen.Generate(dir, "ed25519", "alice", passphrase: "s3cret");
        var result = Tool.Ok("age", ["-e", "-R", ed + ".pub"], Plain);
        var identities = AgeKeys.ParseIdentities(File.ReadAllText(ed), ed, () => Encoding.UTF8.GetBytes("s3cret"));
        Assert.Equal(Plain, AgeKit.Decrypt(result.StdOut, [.. identities]));
        Assert.Throws<SshPassphraseException>(() => AgeKeys.ParseIdentities(File.ReadAllText(ed), ed, () => Encoding.UTF8.GetBytes("wrong")));
    }

    [ToolFact("age", "age-keygen")]
    public void Age_refuses_what_cfir_refuses()
    {
        using var dir = new TempDir();
        var (identity, recipient) = AgeKeygen(dir, "analyst");
        byte[] file = AgeKit.Encrypt(Plain, AgeKeys.ParseRecipients([recipient], File.ReadAllText));
        byte[] flipped = (byte[])file.Clone();
        flipped[^1000] ^= 0x80;
        File.WriteAllBytes(dir.File("flipped.age"), flipped);
        Assert.NotEqual(0, Tool.Run("age", ["-d", "-i", identity, "-o", dir.File("out1"), dir.File("flipped.age")]).ExitCode);
        File.WriteAllBytes(dir.File("cut.age"), file[..^1]);
        Assert.NotEqual(0, Tool.Run("age", ["-d", "-i", identity, "-o", dir.File("out2"), dir.File("cut.age")]).ExitCode);
    }

    private static (string IdentityFile, string Recipient) AgeKeygen(TempDir dir, string name)
    {
        string path = dir.File(name + ".key");
        Tool.Ok("age-keygen", ["-o", path]);
        string recipient = Tool.Ok("age-keygen", ["-y", path]).Text.Trim();
        return (path, recipient);
    }

    private static byte[] AgeDecrypt(TempDir dir, byte[] file, string identity)
    {
        string input = dir.File("in-" + Guid.NewGuid().ToString("N")[..8] + ".age");
        File.WriteAllBytes(input, file);
        return Tool.Ok("age", ["-d", "-i", identity, input]).StdOut;
    }
}
