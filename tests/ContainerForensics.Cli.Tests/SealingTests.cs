using System.Diagnostics;
using System.Text;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests;

/// <summary>
/// <c>--sign-key</c> and <c>--encrypt-to</c> end to end, the built cfir against the rig's Docker,
/// checked with the receiver's own tools: the .age file opens with <c>age -d</c>, SEAL.sig verifies
/// with <c>ssh-keygen -Y verify</c>, and <c>cfir verify --identity --allowed-signers</c> says who
/// signed. Nothing is selected (a label no container has): the engine's own evidence is enough.
/// </summary>
public sealed class SealingTests
{
    private static string[] Nothing => ["--label", $"cfir.test={Guid.NewGuid()}"];

    [EngineFact(Engine.Docker, Tools = ["age", "age-keygen", "ssh-keygen"])]
    public async Task A_signed_archive_encrypted_to_two_analysts_opens_with_age_and_verifies_with_ssh_keygen()
    {
        using var dir = new TempDirectory();
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "pass phrase", "-C", "analyst@lab", "-f", dir["sign"]);
        await File.WriteAllTextAsync(dir["pass"], "pass phrase\n");
        await ProcessRunner.CheckedAsync("age-keygen", "-o", dir["lab.key"]);
        string ageRecipient = await ProcessRunner.CheckedAsync("age-keygen", "-y", dir["lab.key"]);
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir["bob"]);
        await File.WriteAllTextAsync(dir["recipients"], $"# the case's analysts\n{await File.ReadAllTextAsync(dir["bob"] + ".pub")}");

        var collect = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, .. Nothing, "--sign-key", dir["sign"], "--sign-key-passphrase-file", dir["pass"],
            "--encrypt-to", ageRecipient, "--encrypt-to", "@" + dir["recipients"]], environment: null, workingDirectory: dir.Path);
        Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());
        string archive = Assert.Single(Directory.GetFiles(dir.Path, "cfir-*.tar.gz.age"));
        Assert.Contains($"cfir: archive sha256 {ArchiveTools.Sha256Hex(archive)}  {archive}", collect.Stderr, StringComparison.Ordinal);
        Assert.Contains("cfir: seal signed by ED25519 SHA256:", collect.Stderr, StringComparison.Ordinal);
        Assert.Contains("cfir: encrypted with age to age1", collect.Stderr, StringComparison.Ordinal);

        // Each analyst opens it with plain age.
        foreach (string identity in new[] { dir["lab.key"], dir["bob"] })
        {
            var age = await ProcessRunner.RunAsync("age", ["-d", "-i", identity, "-o", dir["plain.tar.gz"], archive]);
            Assert.True(age.ExitCode == 0, age.Describe());
        }
        await ArchiveTools.ExtractAndCheckSumsAsync(dir["plain.tar.gz"], dir["x"], gzip: true);

        // SEAL.sig verifies with plain ssh-keygen over SEAL.json.
        string fingerprint = (await ProcessRunner.CheckedAsync("ssh-keygen", "-l", "-f", dir["sign.pub"])).Split(' ')[1];
        await File.WriteAllTextAsync(dir["allowed"], $"analyst@lab {await File.ReadAllTextAsync(dir["sign.pub"])}");
        var keygen = await ProcessRunner.RunAsync("ssh-keygen", ["-Y", "verify", "-f", dir["allowed"], "-I", "analyst@lab", "-n", "cfir", "-s", Path.Combine(dir["x"], "SEAL.sig")],
            stdin: await File.ReadAllBytesAsync(Path.Combine(dir["x"], "SEAL.json")));
        Assert.True(keygen.ExitCode == 0, keygen.Describe());
        Assert.Contains($"Good \"cfir\" signature for analyst@lab with ED25519 key {fingerprint}", keygen.StdoutText + keygen.Stderr, StringComparison.Ordinal);

        // The key's fingerprint is in the acquisition record; the key and its passphrase are nowhere in the archive.
        string record = await File.ReadAllTextAsync(Path.Combine(dir["x"], "acquisition", "acquisition.json"));
        Assert.Contains($"\"fingerprint\": \"{fingerprint}\"", record, StringComparison.Ordinal);
        Assert.Contains("\"encryption\": \"age-encryption.org/v1\"", record, StringComparison.Ordinal);
        byte[] plain = await File.ReadAllBytesAsync(dir["plain.tar.gz"]);
        string keyBody = (await File.ReadAllTextAsync(dir["sign"])).Split('\n')[1];
        Assert.DoesNotContain(keyBody, Encoding.Latin1.GetString(ArchiveKit.Gunzip(plain)), StringComparison.Ordinal);
        Assert.DoesNotContain("pass phrase", Encoding.Latin1.GetString(ArchiveKit.Gunzip(plain)), StringComparison.Ordinal);

        // cfir verify decrypts while verifying and names the signer.
        var verify = await CfirProcess.RunAsync("verify", archive, "--identity", dir["bob"], "--allowed-signers", dir["allowed"]);
        Assert.True(verify.ExitCode == 0, verify.Describe());
        Assert.Contains($"cfir: seal signed by analyst@lab (ED25519 {fingerprint})", verify.Stderr, StringComparison.Ordinal);
        Assert.Contains($"cfir: archive sha256 {ArchiveTools.Sha256Hex(archive)}", verify.Stderr, StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker, Tools = ["ssh-keygen", "ssh-agent", "ssh-add"])]
    public async Task Streams_to_stdout_signed_through_ssh_agent_and_encrypted_to_an_rsa_key()
    {
        using var dir = new TempDirectory();
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ecdsa", "-N", "", "-C", "agent@lab", "-f", dir["agent-key"]);
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "rsa", "-b", "3072", "-N", "", "-f", dir["rsa"]);
        string socket = dir["agent.sock"];
        using var agent = Process.Start(new ProcessStartInfo("ssh-agent", ["-D", "-a", socket]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        try
        {
            for (int i = 0; i < 200 && !File.Exists(socket); i++)
            {
                await Task.Delay(25);
            }
            var add = new ProcessStartInfo("ssh-add", ["-q", dir["agent-key"]]);
            add.Environment["SSH_AUTH_SOCK"] = socket;
            using (var adding = RunningProcess.Start(add, null))
            {
                Assert.Equal(0, (await adding.WaitAsync(ProcessRunner.HangGuard)).ExitCode);
            }

            var collect = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, .. Nothing, "-f", "tar", "-o", "-", "--sign-key", "agent",
                "--encrypt-to", await File.ReadAllTextAsync(dir["rsa.pub"])], new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = socket });
            Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());
            Assert.StartsWith("age-encryption.org/v1\n-> ssh-rsa ", Encoding.ASCII.GetString(collect.Stdout, 0, 40), StringComparison.Ordinal);
            Assert.Contains($"cfir: archive sha256 {ArchiveTools.Sha256Hex(collect.Stdout)}  -", collect.Stderr, StringComparison.Ordinal);
            Assert.Contains("cfir: seal signed by ECDSA SHA256:", collect.Stderr, StringComparison.Ordinal);

            await File.WriteAllTextAsync(dir["allowed"], $"agent@lab {await File.ReadAllTextAsync(dir["agent-key.pub"])}");
            var verify = await CfirProcess.RunAsync(["verify", "-", "-i", dir["rsa"], "--allowed-signers", dir["allowed"]], environment: null, stdin: collect.Stdout);
            Assert.True(verify.ExitCode == 0, verify.Describe());
            Assert.Contains("cfir: seal signed by agent@lab (ECDSA", verify.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            agent.Kill();
        }
    }

    [EngineFact(Engine.Docker, Tools = ["ssh-keygen", "age-keygen"])]
    public async Task Tampering_a_foreign_signer_and_an_unsigned_archive_fail_verification()
    {
        using var dir = new TempDirectory();
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir["sign"]);
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", dir["other"]);
        await ProcessRunner.CheckedAsync("age-keygen", "-o", dir["key"]);
        string recipient = await ProcessRunner.CheckedAsync("age-keygen", "-y", dir["key"]);
        await File.WriteAllTextAsync(dir["allowed"], $"someone-else@lab {await File.ReadAllTextAsync(dir["other.pub"])}");

        var collect = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, .. Nothing, "-o", dir["a.tar.gz.age"], "--sign-key", dir["sign"], "--encrypt-to", recipient], environment: null);
        Assert.True(collect.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, collect.Describe());

        var foreign = await CfirProcess.RunAsync("verify", dir["a.tar.gz.age"], "-i", dir["key"], "--allowed-signers", dir["allowed"]);
        Assert.True(foreign.ExitCode == (int)ExitCode.VerificationFailed, foreign.Describe());
        Assert.Contains("who is not an allowed signer", foreign.Stderr, StringComparison.Ordinal);

        byte[] bytes = await File.ReadAllBytesAsync(dir["a.tar.gz.age"]);
        bytes[bytes.Length - 40] ^= 0x01;
        await File.WriteAllBytesAsync(dir["b.tar.gz.age"], bytes);
        var flipped = await CfirProcess.RunAsync("verify", dir["b.tar.gz.age"], "-i", dir["key"]);
        Assert.True(flipped.ExitCode == (int)ExitCode.VerificationFailed, flipped.Describe());
        Assert.Contains("cfir: decrypt: chunk", flipped.Stderr, StringComparison.Ordinal);

        var noKey = await CfirProcess.RunAsync("verify", dir["a.tar.gz.age"]);
        Assert.True(noKey.ExitCode == (int)ExitCode.VerificationFailed, noKey.Describe());
        Assert.Contains("give --identity", noKey.Stderr, StringComparison.Ordinal);

        var unsigned = await CfirProcess.RunAsync(["collect", .. CfirProcess.DockerFlags, .. Nothing, "-o", dir["u.tar"], "-f", "tar"], environment: null);
        Assert.True(unsigned.ExitCode is (int)ExitCode.Complete or (int)ExitCode.Partial, unsigned.Describe());
        var required = await CfirProcess.RunAsync("verify", dir["u.tar"], "--allowed-signers", dir["allowed"]);
        Assert.True(required.ExitCode == (int)ExitCode.VerificationFailed, required.Describe());
        Assert.Contains("not signed (no SEAL.sig)", required.Stderr, StringComparison.Ordinal);
    }

    /// <summary>A wrong passphrase or recipient stops the run before discovery: nothing is collected, no file is made.</summary>
    [ToolFact("ssh-keygen")]
    public async Task A_bad_key_or_recipient_is_a_usage_error_before_anything_is_collected()
    {
        using var dir = new TempDirectory();
        await ProcessRunner.CheckedAsync("ssh-keygen", "-q", "-t", "ed25519", "-N", "right", "-f", dir["sign"]);
        await File.WriteAllTextAsync(dir["wrong"], "wrong\n");
        var cases = new (string[] Args, string Message)[]
        {
            (["--sign-key", dir["sign"], "--sign-key-passphrase-file", dir["wrong"]], "wrong passphrase"),
            (["--sign-key", dir["sign"]], "give it with --sign-key-passphrase-file"),
            (["--sign-key", dir["sign"] + ".pub"], "is a public key"),
            (["--sign-key", "agent"], "SSH_AUTH_SOCK is not set"),
            (["--encrypt-to", "age1notarecipient"], "--encrypt-to"),
            (["--encrypt-to", await File.ReadAllTextAsync(dir["sign.pub"]), "--password-file", dir["wrong"], "-f", "zip"], "use age alone"),
        };
        foreach (var (args, message) in cases)
        {
            var run = await CfirProcess.RunAsync(["collect", "--runtime", "docker", "--docker-host", "unix:///nonexistent.sock", "-o", dir["never.tar.gz"], .. args],
                new Dictionary<string, string?> { ["SSH_AUTH_SOCK"] = null });
            Assert.True(run.ExitCode == (int)ExitCode.UsageError, $"{string.Join(' ', args)}: {run.Describe()}");
            Assert.Contains(message, run.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(dir["never.tar.gz"]));
        }
    }

    /// <summary>gunzip for the assertions that look into the plaintext archive.</summary>
    private static class ArchiveKit
    {
        public static byte[] Gunzip(byte[] gzip)
        {
            using var gz = new System.IO.Compression.GZipStream(new MemoryStream(gzip), System.IO.Compression.CompressionMode.Decompress);
            var plain = new MemoryStream();
            gz.CopyTo(plain);
            return plain.ToArray();
        }
    }
}
