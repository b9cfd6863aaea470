using System.IO.Compression;
using System.Text;
using ContainerForensics.Evidence.Verify;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// Whatever follows the archive's end, or whatever the input is, verify stops where the
/// structure says the archive ended, says what follows, and holds no more than a few MiB.
/// </summary>
public sealed class TrailingDataTests
{
    private const long MiB = 1 << 20;

    /// <summary>
    /// Not a measurement: a guard against verify holding what it reads (it held every byte past
    /// the end). Verify runs on the calling thread, so the thread's allocations are its own.
    /// </summary>
    private const long AllocationGuard = 64 * MiB;

    private static Task<byte[]> SampleAsync(ArchiveFormat format) => ArchiveKit.BuildAsync(format, async w =>
    {
        await w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{\"case\":\"EVIDENCE-ACQ\"}"), default);
        await w.AddAsync(ArchiveKit.Bytes("containers/docker/-/web_0123/logs/stdout.log", "GET /shell.php?c=id\n"), default);
    });

    private static (VerificationReport Report, long Allocated) VerifyCounted(Stream input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var report = ArchiveVerifier.Verify(input);
        return (report, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Theory]
    [InlineData(64 * MiB)]
    [InlineData(1024 * MiB + 512)]
    public void A_gzip_of_zeros_is_an_empty_tar_followed_by_zeros_and_is_read_only_a_little_past_its_end(long zeros)
    {
        // Two zero blocks are an end-of-archive marker: the tar is empty, and the rest is trailing.
        var (report, allocated) = VerifyCounted(new GzipOnTheFly(new ZeroStream(zeros)));

        Assert.Equal("tar.gz", report.Format);
        Assert.Equal(0, report.Members);
        Assert.Contains(report.Problems, p => p.Kind == "trailing" &&
            p.Detail == "more than 1048576 bytes of zeros after the tar's end-of-archive blocks, inside the gzip stream (not read further)");
        Assert.Contains(report.Problems, p => p.Kind == "missing" && p.Path == ArchiveNames.Seal.Value);
        Assert.True(report.ArchiveBytes > 0); // the compressed input was still read (and hashed) to its end
        Assert.True(allocated < AllocationGuard, $"verify allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(512L)]
    [InlineData(256 * MiB)]
    public async Task A_tar_followed_by_zeros_verifies_its_content_and_reports_the_padding(long zeros)
    {
        var tar = await SampleAsync(ArchiveFormat.Tar);

        var (report, allocated) = VerifyCounted(new ConcatStream(new MemoryStream(tar), new ZeroStream(zeros)));

        var problem = Assert.Single(report.Problems);
        Assert.Equal("trailing", problem.Kind);
        Assert.Equal($"{zeros} bytes of zero padding after the archive's end", problem.Detail);
        Assert.Equal(tar.Length + zeros, report.ArchiveBytes);
        Assert.True(allocated < AllocationGuard, $"verify allocated {allocated} bytes");
    }

    [Fact]
    public async Task A_tar_padded_to_a_gnu_tar_record_reports_the_padding_not_a_damaged_seal()
    {
        // GNU tar pads to a 10240-byte record; cfir ends with exactly two zero blocks.
        var tar = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, w => w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{}"), default).AsTask());
        int padding = (10240 - tar.Length % 10240) % 10240;
        Assert.True(padding > 0, $"the sample tar ({tar.Length} bytes) already ends on a record");

        var report = ArchiveKit.Verify([.. tar, .. new byte[padding]]);

        var problem = Assert.Single(report.Problems);
        Assert.Equal($"{padding} bytes of zero padding after the archive's end", problem.Detail);
    }

    [Fact]
    public async Task Data_after_a_tar_is_named_as_trailing_data()
    {
        var tar = await SampleAsync(ArchiveFormat.Tar);

        var report = ArchiveKit.Verify([.. tar, .. "#!/bin/sh\nrm -rf /\n"u8]);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("trailing", problem.Kind);
        Assert.Equal("19 bytes of trailing data after the archive's end", problem.Detail);
    }

    [Fact]
    public async Task A_second_gzip_member_after_the_archive_is_named_as_such()
    {
        var archive = await SampleAsync(ArchiveFormat.TarGz);
        var second = Gzip(Encoding.UTF8.GetBytes("appended later\n"));

        var report = ArchiveKit.Verify([.. archive, .. second]);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("trailing", problem.Kind);
        Assert.Equal($"a second gzip member follows the archive ({second.Length} bytes)", problem.Detail);
    }

    [Fact]
    public async Task Zero_padding_after_a_gzip_is_named_as_such()
    {
        var archive = await SampleAsync(ArchiveFormat.TarGz);

        var report = ArchiveKit.Verify([.. archive, .. new byte[4096]]);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("4096 bytes of zero padding after the archive's end", problem.Detail);
    }

    [Theory]
    [InlineData(1000, false, "1000 bytes of data after the tar's end-of-archive blocks, inside the gzip stream")]
    [InlineData(3 << 20, true, "more than 1048576 bytes of zeros after the tar's end-of-archive blocks, inside the gzip stream (not read further)")]
    public async Task Data_after_the_tar_inside_the_gzip_member_is_named(int count, bool zeros, string expected)
    {
        var tar = await SampleAsync(ArchiveFormat.Tar);
        var extra = new byte[count];
        if (!zeros)
        {
            extra.AsSpan().Fill((byte)'x');
        }

        var report = ArchiveKit.Verify(Gzip([.. tar, .. extra]));

        var problem = Assert.Single(report.Problems);
        Assert.Equal("trailing", problem.Kind);
        Assert.Equal(expected, problem.Detail);
    }

    [Fact]
    public async Task A_gzip_trailer_that_does_not_match_the_data_fails()
    {
        var archive = await SampleAsync(ArchiveFormat.TarGz);
        var damaged = ArchiveKit.FlipBit(archive, archive.Length - 6); // inside the CRC-32

        var report = ArchiveKit.Verify(damaged);

        Assert.Contains(report.Problems, p => p.Kind == "corrupt" && p.Detail.Contains("gzip trailer", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.Zip)]
    public async Task An_archive_as_written_has_nothing_trailing(ArchiveFormat format)
    {
        var archive = await SampleAsync(format);

        var report = ArchiveKit.Verify(archive);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal(archive.Length, report.ArchiveBytes);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(archive)), report.ArchiveSha256);
    }

    private static byte[] Gzip(byte[] data)
    {
        var output = new MemoryStream();
        using (var gz = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return output.ToArray();
    }
}
