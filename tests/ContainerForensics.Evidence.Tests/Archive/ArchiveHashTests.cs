using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Evidence.Tests.Tar;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>The archive's own sha256 and length, as the seal reports them, are those of the bytes written, in every format.</summary>
public sealed class ArchiveHashTests
{
    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.Zip)]
    public async Task The_sealed_archive_hash_is_the_sha256_of_the_file(ArchiveFormat format)
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("a" + ArchiveFormats.Extension(format));
        var content = new byte[(3 << 20) + 77];
        new Random(5).NextBytes(content.AsSpan(0, 1 << 20)); // some incompressible, some zeros: several gzip blocks
        SealResult result;
        await using (var writer = EvidenceArchiveWriter.Create(ArchiveOutput.ToFile(path), new EvidenceArchiveOptions { Format = format, ToolVersion = "test" }))
        {
            await writer.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("data/blob"), Content = EvidenceContent.FromBytes(content) }, default);
            await writer.AddAsync(ArchiveKit.Bytes("data/note.txt", "note"), default);
            result = await writer.SealAsync(new SealRequest(), CancellationToken.None);
        }
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(bytes.Length, result.ArchiveBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), result.ArchiveSha256);
        Assert.True(ArchiveKit.Verify(bytes).Ok);
    }
}
