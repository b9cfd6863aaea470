using System.Buffers.Binary;
using System.Security.Cryptography;
using ContainerForensics.Evidence.Compression;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Tar;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// tar.zst: one zstd frame (RFC 8878) with its content checksum, read back frame-exact: what
/// follows the frame is named, a cut or changed frame fails with a message saying so, and a
/// frame that expands hugely or asks for a huge window costs verify no more than its buffers.
/// </summary>
public sealed class ZstdArchiveTests
{
    private const long MiB = 1 << 20;

    /// <summary>Not a measurement: a guard against verify holding what it decompresses (the thread's own allocations).</summary>
    private const long AllocationGuard = 64 * MiB;

    private static Task<byte[]> SampleAsync() => ArchiveKit.BuildAsync(ArchiveFormat.TarZst, async w =>
    {
        await w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{\"case\":\"EVIDENCE-ACQ\"}"), default);
        await w.AddAsync(ArchiveKit.Bytes("containers/docker/-/web_0123/logs/stdout.log", string.Concat(Enumerable.Repeat("GET /shell.php?c=id\n", 5000))), default);
    });

    private static (VerificationReport Report, long Allocated) VerifyCounted(Stream input)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        var report = ArchiveVerifier.Verify(input);
        return (report, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task A_tar_zst_as_written_is_one_frame_with_a_checksum_and_verifies_with_nothing_trailing()
    {
        var archive = await SampleAsync();

        var report = ArchiveKit.Verify(archive);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal("tar.zst", report.Format);
        Assert.Equal(archive.Length, report.ArchiveBytes);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(archive)), report.ArchiveSha256);
        Assert.Equal(0xFD2FB528u, BinaryPrimitives.ReadUInt32LittleEndian(archive));
        Assert.True((archive[4] & 0x04) != 0, "Content_Checksum_flag unset: zstd -t could not find a changed byte");
        using var frame = new ZstdFrameStream(new MemoryStream(archive));
        frame.CopyTo(Stream.Null);
        Assert.True(frame.Ended);
        Assert.Empty(frame.Leftover); // one frame, nothing after it
    }

    [ToolFact("zstd", "tar")]
    public async Task Zstd_and_gnu_tar_read_it()
    {
        var archive = await SampleAsync();
        using var dir = new TempDirectory();
        string path = Path.Combine(dir.Path, "a.tar.zst");
        await File.WriteAllBytesAsync(path, archive);

        ExternalTools.RunOk(dir.Path, "zstd", "-q", "-t", path);
        string extracted = Path.Combine(dir.Path, "x");
        Directory.CreateDirectory(extracted);
        ExternalTools.TarOk(extracted, "--zstd", "-xf", path);
        ExternalTools.RunOk(extracted, "sha256sum", "-c", "--strict", "--quiet", "SHA256SUMS");
        Assert.Equal(100_000, new FileInfo(Path.Combine(extracted, "containers/docker/-/web_0123/logs/stdout.log")).Length);
    }

    [Fact]
    public void Levels_and_workers_change_the_bytes_not_what_they_hold()
    {
        var data = new byte[9 * MiB + 123]; // more than one job for the workers
        new Random(7).NextBytes(data.AsSpan(0, (int)(3 * MiB)));
        for (int i = (int)(3 * MiB); i < data.Length; i++)
        {
            data[i] = (byte)("evidence "[i % 9]);
        }
        foreach (var (level, workers) in new[] { (1, 1), (1, 2), (3, 4), (ZstdSettings.MaxLevel, 2) })
        {
            var compressed = new MemoryStream();
            using (var zstd = new ZstdWriteStream(compressed, level, workers))
            {
                zstd.Write(data.AsSpan(0, 1000));
                zstd.Write(data.AsSpan(1000));
            }
            using var frame = new ZstdFrameStream(new MemoryStream(compressed.ToArray()));
            var back = new MemoryStream();
            frame.CopyTo(back);
            Assert.True(back.ToArray().AsSpan().SequenceEqual(data), $"level {level}, {workers} workers");
            Assert.True(frame.Ended);
            Assert.True(compressed.Length < data.Length * 0.5, $"level {level}: {compressed.Length} bytes");
        }
    }

    [Fact]
    public async Task A_second_zstd_frame_after_the_archive_is_named_as_such()
    {
        var archive = await SampleAsync();
        var second = Zstd("appended later\n"u8.ToArray());

        var report = ArchiveKit.Verify([.. archive, .. second]);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("trailing", problem.Kind);
        Assert.Equal($"a second zstd frame follows the archive ({second.Length} bytes)", problem.Detail);
    }

    [Fact]
    public async Task Zero_padding_after_a_zstd_frame_is_named_as_such()
    {
        var archive = await SampleAsync();

        var report = ArchiveKit.Verify([.. archive, .. new byte[4096]]);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("4096 bytes of zero padding after the archive's end", problem.Detail);
    }

    [Fact]
    public async Task Data_after_the_tar_inside_the_zstd_frame_is_named()
    {
        var tar = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, w => w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{}"), default).AsTask());

        var report = ArchiveKit.Verify(Zstd([.. tar, .. "#!/bin/sh\nrm -rf /\n"u8]));

        var problem = Assert.Single(report.Problems);
        Assert.Equal("trailing", problem.Kind);
        Assert.Equal("19 bytes of data after the tar's end-of-archive blocks, inside the zstd stream", problem.Detail);
    }

    [Theory]
    [InlineData(1)]     // the checksum's last byte
    [InlineData(4)]     // the whole checksum
    [InlineData(7)]     // into the last block
    [InlineData(-100)]  // well inside: counted from the start
    public async Task A_cut_frame_fails_as_cut_off(int cut)
    {
        var archive = await SampleAsync();
        int length = cut > 0 ? archive.Length - cut : -cut;

        var report = ArchiveKit.Verify(archive[..length]);

        Assert.False(report.Ok);
        Assert.Contains(report.Problems, p => p.Kind == "corrupt" && p.Detail.Contains("the zstd stream ends inside its frame", StringComparison.Ordinal) &&
                                             p.Detail.Contains("cut off", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_changed_byte_fails_and_the_checksum_says_so()
    {
        var archive = await SampleAsync();

        var inChecksum = ArchiveKit.Verify(ArchiveKit.FlipBit(archive, archive.Length - 2));
        var inData = ArchiveKit.Verify(ArchiveKit.FlipBit(archive, archive.Length / 2, bit: 3));

        Assert.Contains(inChecksum.Problems, p => p.Kind == "corrupt" && p.Detail.Contains("the zstd stream is damaged", StringComparison.Ordinal) &&
                                                  p.Detail.Contains("checksum", StringComparison.Ordinal));
        Assert.False(inData.Ok);
        Assert.Contains(inData.Problems, p => p.Kind is "corrupt" or "modified");
    }

    [Theory]
    [InlineData(64 * MiB)]
    [InlineData(4096 * MiB)]
    public void A_small_frame_that_expands_hugely_is_read_only_a_little_past_the_tar_end(long expanded)
    {
        // Raw RLE blocks of zeros: 4 bytes of frame per 128 KiB, so 4 GiB in 128 KiB. Zeros are
        // an empty tar (two zero blocks) followed by zeros, all of it inside the frame.
        var bomb = RleFrame(expanded, windowLog: 17);
        Assert.True(bomb.Length < expanded / 30_000);

        var (report, allocated) = VerifyCounted(new MemoryStream(bomb));

        Assert.Equal("tar.zst", report.Format);
        Assert.Equal(0, report.Members);
        Assert.Contains(report.Problems, p => p.Kind == "trailing" &&
            p.Detail == "more than 1048576 bytes of zeros after the tar's end-of-archive blocks, inside the zstd stream (not read further)");
        Assert.Contains(report.Problems, p => p.Kind == "missing" && p.Path == ArchiveNames.Seal.Value);
        Assert.Equal(bomb.Length, report.ArchiveBytes); // the compressed input still read (and hashed) to its end
        Assert.True(allocated < AllocationGuard, $"verify allocated {allocated} bytes");
    }

    [Theory]
    [InlineData(30, "1024 MiB")]
    [InlineData(26, "64 MiB")]
    public void A_frame_that_asks_for_a_window_above_the_cap_is_refused_and_says_so(int windowLog, string asked)
    {
        var bomb = RleFrame(8 * MiB, windowLog);

        var (report, allocated) = VerifyCounted(new MemoryStream(bomb));

        var refused = Assert.Single(report.Problems, p => p.Kind == "corrupt");
        Assert.Equal($"the archive cannot be read to its end: the zstd frame asks for a window of {asked}, more than the 32 MiB the reader allows (windowLogMax 25): " +
                     "refused before decompressing, so that a crafted frame cannot make the reader's memory grow", refused.Detail);
        Assert.True(allocated < AllocationGuard, $"verify allocated {allocated} bytes");
    }

    [Fact]
    public void A_frame_at_the_window_cap_is_read()
    {
        var frame = RleFrame(2 * MiB, windowLog: ZstdSettings.WindowLogMax);

        using var zstd = new ZstdFrameStream(new MemoryStream(frame));
        var buffer = new byte[1 << 16];
        long total = 0;
        int n;
        while ((n = zstd.Read(buffer)) > 0)
        {
            total += n;
        }
        Assert.Equal(2 * MiB, total);
        Assert.True(zstd.Ended);
    }

    [Theory]
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x58 }, 1L << 21)]                  // Window_Descriptor: exponent 11, mantissa 0
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x5B }, (1L << 21) + 3 * (1L << 18))] // mantissa 3 eighths
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x20, 0x07 }, 7L)]                           // single segment: the 1-byte content size
    [InlineData(new byte[] { 0x28, 0xB5, 0x2F, 0xFD, 0x60, 0x00, 0x01 }, 256L + 256)]             // single segment: 2-byte content size + 256
    public void The_window_is_read_from_the_frame_header(byte[] header, long window) =>
        Assert.Equal(window, ZstdFrameStream.WindowSize(header));

    /// <summary>A frame of RLE zero blocks (RFC 8878 3.1.1.2: Block_Type 1, one byte repeated Block_Size times), no checksum.</summary>
    private static byte[] RleFrame(long size, int windowLog)
    {
        const int block = 128 << 10;
        var frame = new MemoryStream();
        frame.Write([0x28, 0xB5, 0x2F, 0xFD, 0x00, (byte)((windowLog - 10) << 3)]);
        for (long left = size; left > 0; left -= block)
        {
            int n = (int)Math.Min(block, left);
            int header = (n << 3) | (1 << 1) | (left <= block ? 1 : 0);
            frame.Write([(byte)header, (byte)(header >> 8), (byte)(header >> 16), 0x00]);
        }
        return frame.ToArray();
    }

    private static byte[] Zstd(byte[] data)
    {
        var output = new MemoryStream();
        using (var zstd = new ZstdWriteStream(output, 1, workers: 1))
        {
            zstd.Write(data);
        }
        return output.ToArray();
    }
}
