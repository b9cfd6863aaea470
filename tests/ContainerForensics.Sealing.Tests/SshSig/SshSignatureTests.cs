using System.Text;
using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.SshSig;
using ContainerForensics.Sealing.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Sealing.Tests.SshSig;

/// <summary>SSHSIG in both directions against the real ssh-keygen: what cfir signs verifies with -Y verify, what -Y sign makes verifies in cfir.</summary>
public sealed class SshSignatureTests
{
    private static readonly byte[] Message = Encoding.UTF8.GetBytes("{\n  \"format\": \"cfir-evidence/1.1\"\n}");

    public static TheoryData<string, int?> KeyTypes() => new()
    {
        { "ed25519", null },
        { "ecdsa", 256 },
        { "rsa", 3072 },
    };

    [ToolTheory("ssh-keygen")]
    [MemberData(nameof(KeyTypes))]
    public async Task A_cfir_signature_verifies_with_ssh_keygen(string type, int? bits)
    {
        using var dir = new TempDir();
        string key = SshKeygen.Generate(dir, type, "analyst", bits: bits);
        var signature = await SshSignature.SignAsync(SshKeygen.Load(key), Message, "cfir", CancellationToken.None);
        File.WriteAllBytes(dir.File("msg.sig"), signature.ToArmored());
        File.WriteAllText(dir.File("allowed_signers"), $"analyst@example.org {File.ReadAllText(key + ".pub")}");

        var result = Tool.Ok("ssh-keygen", ["-Y", "verify", "-f", dir.File("allowed_signers"), "-I", "analyst@example.org", "-n", "cfir", "-s", dir.File("msg.sig")], Message);
        Assert.Contains("Good \"cfir\" signature for analyst@example.org", result.Text + result.StdErr);

        var other = Tool.Run("ssh-keygen", ["-Y", "verify", "-f", dir.File("allowed_signers"), "-I", "analyst@example.org", "-n", "cfir", "-s", dir.File("msg.sig")], [.. Message, (byte)' ']);
        Assert.NotEqual(0, other.ExitCode);
    }

    [ToolTheory("ssh-keygen")]
    [MemberData(nameof(KeyTypes))]
    public void An_ssh_keygen_signature_verifies_in_cfir(string type, int? bits)
    {
        using var dir = new TempDir();
        string key = SshKeygen.Generate(dir, type, "analyst", bits: bits);
        File.WriteAllBytes(dir.File("msg"), Message);
        Tool.Ok("ssh-keygen", ["-Y", "sign", "-f", key, "-n", "cfir", dir.File("msg")]);
        var signature = SshSignature.Parse(File.ReadAllBytes(dir.File("msg.sig")));

        Assert.Equal(SshKeygen.PublicKey(key), signature.PublicKey);
        Assert.Equal("sha512", signature.HashAlgorithm);
        Assert.True(signature.Verify(Message, "cfir", out var why), why);
        Assert.False(signature.Verify([.. Message, (byte)'x'], "cfir", out why));
        Assert.Contains("does not match", why);
        Assert.False(signature.Verify(Message, "file", out why));
        Assert.Contains("namespace", why);
    }

    /// <summary>The armor is byte for byte ssh-keygen's, so a SEAL.sig reads like any .sig file.</summary>
    [ToolFact("ssh-keygen")]
    public async Task The_armor_is_ssh_keygens()
    {
        using var dir = new TempDir();
        string key = SshKeygen.Generate(dir, "ed25519", "analyst");
        File.WriteAllBytes(dir.File("msg"), Message);
        Tool.Ok("ssh-keygen", ["-Y", "sign", "-f", key, "-n", "cfir", dir.File("msg")]);
        // Ed25519 signatures are deterministic: the same key over the same message gives the same bytes.
        var ours = await SshSignature.SignAsync(SshKeygen.Load(key), Message, "cfir", CancellationToken.None);
        Assert.Equal(File.ReadAllText(dir.File("msg.sig")), Encoding.ASCII.GetString(ours.ToArmored()));
    }

    [ToolFact("ssh-keygen", "ssh-agent", "ssh-add")]
    public async Task Signs_through_ssh_agent()
    {
        using var dir = new TempDir();
        using var agent = new SshAgentProcess(dir);
        string ed = SshKeygen.Generate(dir, "ed25519", "agent-ed");
        string rsa = SshKeygen.Generate(dir, "rsa", "agent-rsa", bits: 2048);
        agent.Add(ed);
        agent.Add(rsa);
        var client = new SshAgentClient(agent.SocketPath);
        var keys = await client.ListKeysAsync(CancellationToken.None);
        Assert.Equal(2, keys.Count);
        File.WriteAllText(dir.File("allowed_signers"), $"a@x {File.ReadAllText(ed + ".pub")}b@x {File.ReadAllText(rsa + ".pub")}");
        foreach (var (key, who) in new[] { (SshKeygen.PublicKey(ed), "a@x"), (SshKeygen.PublicKey(rsa), "b@x") })
        {
            var signature = await SshSignature.SignAsync(new SshAgentSigner(client, keys.Single(k => k.Equals(key))), Message, "cfir", CancellationToken.None);
            File.WriteAllBytes(dir.File("m.sig"), signature.ToArmored());
            Tool.Ok("ssh-keygen", ["-Y", "verify", "-f", dir.File("allowed_signers"), "-I", who, "-n", "cfir", "-s", dir.File("m.sig")], Message);
        }
    }

    [ToolFact("ssh-keygen", "ssh-agent")]
    public async Task An_agent_without_the_key_refuses_clearly()
    {
        using var dir = new TempDir();
        using var agent = new SshAgentProcess(dir);
        var key = SshKeygen.PublicKey(SshKeygen.Generate(dir, "ed25519", "absent"));
        var ex = await Assert.ThrowsAsync<SshFormatException>(() => new SshAgentClient(agent.SocketPath).SignAsync(key, Message, CancellationToken.None));
        Assert.Contains("refused to sign", ex.Message);
    }

    [Fact]
    public void A_damaged_or_trailing_armor_is_refused()
    {
        Assert.Throws<SshFormatException>(() => SshSignature.Parse("-----BEGIN SSH SIGNATURE-----\nAAAA\n"u8));
        Assert.Throws<SshFormatException>(() => SshSignature.Parse("not a signature"u8));
        Assert.Throws<SshFormatException>(() => SshSignature.Parse("-----BEGIN SSH SIGNATURE-----\nU1NIU0lH\n-----END SSH SIGNATURE-----\n"u8));
    }
}
