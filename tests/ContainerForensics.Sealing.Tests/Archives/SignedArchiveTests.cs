using System.Security.Cryptography;
using ContainerForensics.Evidence;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.SshSig;
using ContainerForensics.Sealing.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Sealing.Tests.Archives;

/// <summary>
/// SEAL.sig in real archives: written right after the seal in every format, checked by plain
/// ssh-keygen over the extracted SEAL.json, and by the verifier, which refuses a foreign signer,
/// a signature over another seal, a damaged SEAL.sig and an unsigned archive when signers are named.
/// </summary>
public sealed class SignedArchiveTests
{
    private static readonly SshPrivateKey Analyst = SshPrivateKey.FromEd25519(RandomNumberGenerator.GetBytes(32), "analyst@lab");
    private static readonly SshPrivateKey Intruder = SshPrivateKey.FromEd25519(RandomNumberGenerator.GetBytes(32), "intruder");
    private static readonly AllowedSigners Lab = AllowedSigners.Parse($"analyst@lab {Analyst.PublicKey.ToLine()}", "allowed_signers");

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.Zip)]
    [InlineData(ArchiveFormat.TarZst)]
    public async Task A_signed_archive_verifies_and_names_its_signer(ArchiveFormat format)
    {
        var (bytes, seal) = await SealedArchives.BuildAsync(format, new SshSealSigner(Analyst));
        Assert.Equal(Analyst.PublicKey.Describe(), seal.SignedBy);
        Assert.Null(seal.SigningFailure);
        var report = Verify(bytes, Lab);
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal($"analyst@lab ({Analyst.PublicKey.WithComment(null).Describe()})", report.Signature);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), seal.ArchiveSha256);
    }

    [Fact]
    public async Task SEAL_sig_is_the_member_right_after_the_seal_and_the_last()
    {
        var (tar, _) = await SealedArchives.BuildAsync(ArchiveFormat.Tar, new SshSealSigner(Analyst));
        var names = SealedArchives.MemberNames(tar);
        Assert.Equal(["SEAL.json", "SEAL.sig"], names.TakeLast(2));
        var signature = SshSignature.Parse(SealedArchives.Member(tar, "SEAL.sig"));
        Assert.True(signature.Verify(SealedArchives.Member(tar, "SEAL.json"), "cfir", out var why), why);
    }

    [ToolFact("ssh-keygen")]
    public async Task Plain_ssh_keygen_verifies_SEAL_sig_over_SEAL_json()
    {
        using var dir = new TempDir();
        string key = SshKeygen.Generate(dir, "ed25519", "analyst");
        var (tar, _) = await SealedArchives.BuildAsync(ArchiveFormat.Tar, new SshSealSigner(SshKeygen.Load(key)));
        File.WriteAllBytes(dir.File("SEAL.sig"), SealedArchives.Member(tar, "SEAL.sig"));
        File.WriteAllText(dir.File("allowed_signers"), $"analyst@lab {File.ReadAllText(key + ".pub")}");
        var seal = SealedArchives.Member(tar, "SEAL.json");
        var ok = Tool.Ok("ssh-keygen", ["-Y", "verify", "-f", dir.File("allowed_signers"), "-I", "analyst@lab", "-n", "cfir", "-s", dir.File("SEAL.sig")], seal);
        Assert.Contains("Good \"cfir\" signature for analyst@lab", ok.Text + ok.StdErr);
        var bad = Tool.Run("ssh-keygen", ["-Y", "verify", "-f", dir.File("allowed_signers"), "-I", "analyst@lab", "-n", "cfir", "-s", dir.File("SEAL.sig")], [.. seal[..^2], .. "\n}"u8, (byte)'\n']);
        Assert.NotEqual(0, bad.ExitCode);
    }

    /// <summary>An ssh-keygen -Y sign -n cfir signature over a seal, put in as SEAL.sig, verifies in cfir.</summary>
    [ToolFact("ssh-keygen")]
    public async Task A_signature_made_by_ssh_keygen_over_a_seal_verifies_in_cfir()
    {
        using var dir = new TempDir();
        string key = SshKeygen.Generate(dir, "ecdsa", "analyst");
        var keygen = new KeygenSigner(dir, key);
        var (bytes, seal) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz, keygen);
        Assert.NotNull(seal.SignedBy);
        var allowed = AllowedSigners.Parse($"analyst@lab {File.ReadAllText(key + ".pub")}", "allowed_signers");
        var report = Verify(bytes, allowed);
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.StartsWith("analyst@lab (ECDSA", report.Signature);
    }

    [Fact]
    public async Task A_foreign_signer_fails_with_allowed_signers_and_is_named_without()
    {
        var (bytes, _) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz, new SshSealSigner(Intruder));
        var report = Verify(bytes, Lab);
        var problem = Assert.Single(report.Problems);
        Assert.Equal("signature", problem.Kind);
        Assert.Contains("not an allowed signer", problem.Detail);
        Assert.Contains(Intruder.PublicKey.Fingerprint, problem.Detail);

        var unchecked_ = Verify(bytes, null);
        Assert.True(unchecked_.Ok);
        Assert.Contains("not checked against an allowed-signers file", unchecked_.Signature);
    }

    [Fact]
    public async Task A_signature_over_another_seal_fails()
    {
        var (a, _) = await SealedArchives.BuildAsync(ArchiveFormat.Tar, new SshSealSigner(Analyst), entries: 2);
        var (b, _) = await SealedArchives.BuildAsync(ArchiveFormat.Tar, new SshSealSigner(Analyst), entries: 2);
        // Same length (both Ed25519 signatures, armored alike): B's SEAL.sig in A's place.
        byte[] sigA = SealedArchives.Member(a, "SEAL.sig"), sigB = SealedArchives.Member(b, "SEAL.sig");
        Assert.Equal(sigA.Length, sigB.Length);
        int at = a.AsSpan().IndexOf(sigA);
        byte[] swapped = [.. a[..at], .. sigB, .. a[(at + sigB.Length)..]];
        var report = Verify(swapped, Lab);
        var problem = Assert.Single(report.Problems);
        Assert.Equal("signature", problem.Kind);
        Assert.Contains("does not verify over SEAL.json", problem.Detail);
    }

    [Fact]
    public async Task A_flipped_byte_in_SEAL_sig_fails()
    {
        var (tar, _) = await SealedArchives.BuildAsync(ArchiveFormat.Tar, new SshSealSigner(Analyst));
        byte[] sig = SealedArchives.Member(tar, "SEAL.sig");
        int at = tar.AsSpan().IndexOf(sig) + 60;
        tar[at] = (byte)(tar[at] == (byte)'A' ? 'B' : 'A');
        var report = Verify(tar, Lab);
        Assert.Contains(report.Problems, p => p.Kind == "signature");
    }

    [Fact]
    public async Task An_unsigned_archive_fails_when_signers_are_named()
    {
        var (bytes, seal) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz);
        Assert.Null(seal.SignedBy);
        Assert.True(Verify(bytes, null).Ok);
        var problem = Assert.Single(Verify(bytes, Lab).Problems);
        Assert.Equal("signature", problem.Kind);
        Assert.Contains("not signed", problem.Detail);
    }

    [Fact]
    public async Task Without_a_check_SEAL_sig_is_noted_and_a_member_after_it_is_extra()
    {
        var (tar, _) = await SealedArchives.BuildAsync(ArchiveFormat.Tar, new SshSealSigner(Analyst));
        var report = ArchiveVerifier.Verify(new MemoryStream(tar));
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal("SEAL.sig present, not checked", report.Signature);

        // The same archive with one more member after SEAL.sig (before the end-of-archive blocks).
        var tail = new MemoryStream();
        using (var writer = new ContainerForensics.Tar.PaxTarWriter(tail, leaveOpen: true))
        {
            writer.BeginEntry(new ContainerForensics.Tar.TarHeader { Name = "late.txt"u8.ToArray(), Type = ContainerForensics.Tar.TarEntryType.Regular, Size = 4, Mode = 0x1a4 });
            writer.WriteData("late"u8);
            writer.EndEntry();
            writer.Finish();
        }
        byte[] appended = [.. tar[..^1024], .. tail.ToArray()];
        var extra = ArchiveVerifier.Verify(new MemoryStream(appended));
        Assert.Contains(extra.Problems, p => p.Kind == "extra" && p.Path == "late.txt");
    }

    [Fact]
    public async Task A_stripped_or_swapped_signature_contradicts_the_acquisition_record()
    {
        string record = "{\"format\":\"cfir-evidence/1.1\",\"sealing\":{\"signingKey\":{\"fingerprint\":\"" + Analyst.PublicKey.Fingerprint + "\",\"type\":\"ssh-ed25519\"}}}";
        var (unsigned, _) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz, new FailingSigner(), acquisitionRecord: record);
        Assert.Contains("there is no SEAL.sig", Assert.Single(Verify(unsigned, null).Problems).Detail);
        Assert.Contains("there is no SEAL.sig", Assert.Single(ArchiveVerifier.Verify(new MemoryStream(unsigned)).Problems).Detail);

        var (other, _) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz, new SshSealSigner(Intruder), acquisitionRecord: record);
        Assert.Contains("the acquisition record says the seal is signed with", Assert.Single(Verify(other, null).Problems).Detail);
    }

    [Fact]
    public async Task A_signer_that_fails_leaves_the_archive_sealed_and_unsigned()
    {
        var (bytes, seal) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz, new FailingSigner());
        Assert.Null(seal.SignedBy);
        Assert.Contains("agent went away", seal.SigningFailure);
        Assert.True(Verify(bytes, null).Ok);
    }

    private static VerificationReport Verify(byte[] archive, AllowedSigners? signers) =>
        SealedArchiveVerifier.Verify(new MemoryStream(archive), new SealedVerifyOptions { AllowedSigners = signers });

    private sealed class FailingSigner : ISealSigner
    {
        public string KeyDescription => "ED25519 SHA256:gone";

        public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> seal, CancellationToken cancellationToken) =>
            throw new SshFormatException("the agent went away");
    }

    /// <summary>Signs by running ssh-keygen -Y sign -n cfir over the seal's bytes.</summary>
    private sealed class KeygenSigner(TempDir dir, string key) : ISealSigner
    {
        public string KeyDescription => "ssh-keygen";

        public ValueTask<byte[]> SignAsync(ReadOnlyMemory<byte> seal, CancellationToken cancellationToken)
        {
            string path = dir.File("seal-" + Guid.NewGuid().ToString("N")[..6]);
            File.WriteAllBytes(path, seal.ToArray());
            Tool.Ok("ssh-keygen", ["-Y", "sign", "-f", key, "-n", "cfir", path]);
            return ValueTask.FromResult(File.ReadAllBytes(path + ".sig"));
        }
    }
}
