using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.Sealing.Age;
using ContainerForensics.Sealing.Ssh;
using ContainerForensics.Sealing.SshSig;
using ContainerForensics.Sealing.Tests.Age;
using ContainerForensics.Sealing.Tests.Support;
using ContainerForensics.TestSupport;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Sealing.Tests.Archives;

/// <summary>
/// Archives encrypted to the analyst through the output layer: the hash reported is of the
/// ciphertext, the seal inside still commits to the plaintext, age -d opens them, verify decrypts
/// while it verifies and refuses a flipped byte, a cut stream and a wrong identity by name.
/// </summary>
public sealed class EncryptedArchiveTests
{
    private static readonly X25519Identity Analyst = AgeKit.NewIdentity();
    private static readonly SshPrivateKey Signer = SshPrivateKey.FromEd25519(RandomNumberGenerator.GetBytes(32), "analyst@lab");

    [Theory]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.Zip)]
    [InlineData(ArchiveFormat.TarZst)]
    public async Task An_encrypted_signed_archive_verifies_through_decryption(ArchiveFormat format)
    {
        var (file, seal) = await BuildAsync(format, entries: 5, entrySize: 150_000);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), seal.ArchiveSha256);
        Assert.Equal(file.Length, seal.ArchiveBytes);
        Assert.True(file.AsSpan().StartsWith("age-encryption.org/v1\n-> X25519 "u8));

        byte[] plain = AgeKit.Decrypt(file, Analyst);
        var inner = ArchiveVerifier.Verify(new MemoryStream(plain));
        Assert.True(inner.Ok, string.Join("; ", inner.Problems));

        var report = Verify(file, Analyst);
        Assert.True(report.Ok, string.Join("; ", report.Problems));
        Assert.Equal(seal.ArchiveSha256, report.ArchiveSha256);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(plain)), report.InnerSha256);
        Assert.Contains("1 recipient(s) (X25519)", report.Encryption);
        Assert.StartsWith("analyst@lab", report.Signature);
    }

    [ToolFact("age")]
    public async Task Age_decrypts_what_cfir_encrypted_to_an_age_key()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("key.txt"), AgeKit.Bech32Identity(Enumerable.Range(7, 32).Select(i => (byte)i).ToArray()) + "\n");
        var identity = AgeKeys.ParseIdentities(File.ReadAllText(dir.File("key.txt")), "key.txt", () => []).Single();
        var recipient = ((X25519Identity)identity).Recipient;
        var (file, _) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz, new SshSealSigner(Signer), below => new AgeEncryptStream(below, [recipient]));
        File.WriteAllBytes(dir.File("case.tar.gz.age"), file);
        byte[] plain = Tool.Ok("age", ["-d", "-i", dir.File("key.txt"), dir.File("case.tar.gz.age")]).StdOut;
        Assert.True(ArchiveVerifier.Verify(new MemoryStream(plain)).Ok);
    }

    [Fact]
    public async Task A_flipped_ciphertext_byte_is_a_decrypt_failure()
    {
        var (file, _) = await BuildAsync(ArchiveFormat.TarGz, entries: 4, entrySize: 200_000);
        file[file.Length / 2] ^= 0x04;
        var report = Verify(file, Analyst);
        var first = report.Problems[0];
        Assert.Equal("decrypt", first.Kind);
        Assert.Contains("fails authentication", first.Detail);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(file)), report.ArchiveSha256);
    }

    [Fact]
    public async Task A_cut_stream_is_a_decrypt_failure_even_at_a_chunk_boundary()
    {
        var (file, _) = await BuildAsync(ArchiveFormat.Tar, entries: 4, entrySize: 200_000);
        int payload = file.AsSpan().IndexOf("\n--- "u8) + 5 + 43 + 1 + 16;
        foreach (int length in new[] { payload + 3 * 65552, file.Length - 1 })
        {
            var report = Verify(file[..length], Analyst);
            Assert.Contains(report.Problems, p => p.Kind == "decrypt");
            Assert.False(report.Ok);
        }
    }

    [Fact]
    public async Task A_wrong_identity_or_none_is_said_so()
    {
        var (file, _) = await BuildAsync(ArchiveFormat.TarGz);
        var wrong = Assert.Single(Verify(file, AgeKit.NewIdentity()).Problems);
        Assert.Equal("decrypt", wrong.Kind);
        Assert.Contains("no identity given opens the file", wrong.Detail);
        var none = Assert.Single(SealedArchiveVerifier.Verify(new MemoryStream(file), new SealedVerifyOptions()).Problems);
        Assert.Contains("give --identity", none.Detail);
    }

    [Fact]
    public async Task An_identity_for_a_plain_archive_is_a_problem()
    {
        var (plain, _) = await SealedArchives.BuildAsync(ArchiveFormat.TarGz, new SshSealSigner(Signer));
        var report = Verify(plain, Analyst);
        Assert.Equal("decrypt", Assert.Single(report.Problems).Kind);
    }

    /// <summary>
    /// A run that breaks off leaves the encrypted archive without its final chunk: age refuses it
    /// as cut, and the chunks written so far still decrypt.
    /// </summary>
    [Fact]
    public async Task An_unsealed_encrypted_archive_has_no_final_chunk()
    {
        var buffer = new MemoryStream();
        var writer = EvidenceArchiveWriter.Create(ArchiveOutput.ToStdout(new NonClosingStream(buffer), below => new AgeEncryptStream(below, [Analyst.Recipient])),
            new EvidenceArchiveOptions { Format = ArchiveFormat.Tar });
        await writer.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("a/b"), Content = EvidenceContent.FromBytes(new byte[3_000_000]) }, CancellationToken.None);
        await writer.DisposeAsync();
        var ex = Assert.Throws<AgeException>(() => AgeKit.Decrypt(buffer.ToArray(), Analyst));
        Assert.Contains("without its final chunk", ex.Message);
    }

    /// <summary>Whatever the archive's size, the layer through the output round-trips: none, exactly one chunk, one byte past, and any other.</summary>
    [Fact]
    public void Any_archive_size_round_trips_through_the_output_layer()
    {
        var sizes = Gen.OneOf(Gen.Elements(0, 1, 65535, 65536, 65537, 2 * 65536, 2 * 65536 + 1), Gen.Choose(0, 400_000));
        Prop.ForAll(sizes.ToArbitrary(), size =>
        {
            byte[] plain = RandomNumberGenerator.GetBytes(size);
            var buffer = new MemoryStream();
            var output = ArchiveOutput.ToStdout(new NonClosingStream(buffer), below => new AgeEncryptStream(below, [Analyst.Recipient]));
            output.Stream.Write(plain);
            output.CommitAsync().AsTask().GetAwaiter().GetResult();
            byte[] file = buffer.ToArray();
            return output.WrittenBytes == file.Length &&
                   output.WrittenSha256() == Convert.ToHexStringLower(SHA256.HashData(file)) &&
                   AgeKit.Decrypt(file, Analyst).AsSpan().SequenceEqual(plain);
        }).QuickCheckThrowOnFailure();
    }

    private static Task<(byte[] Bytes, SealResult Seal)> BuildAsync(ArchiveFormat format, int entries = 3, int entrySize = 1000) =>
        SealedArchives.BuildAsync(format, new SshSealSigner(Signer), below => new AgeEncryptStream(below, [Analyst.Recipient]), entries, entrySize);

    private static VerificationReport Verify(byte[] file, IAgeIdentity identity) =>
        SealedArchiveVerifier.Verify(new MemoryStream(file), new SealedVerifyOptions
        {
            Identities = [identity],
            AllowedSigners = AllowedSigners.Parse($"analyst@lab {Signer.PublicKey.ToLine()}", "allowed_signers"),
        });
}
