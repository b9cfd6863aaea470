using System.Buffers.Binary;
using System.IO.Compression;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Evidence.Tests.Archive;
using ContainerForensics.Evidence.Tests.Tar;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Evidence.Tests.Output;

/// <summary>
/// The parallel compressor's output is one ordinary gzip member: GNU gzip, .NET's GZipStream
/// (zlib, which checks CRC-32 and ISIZE) and cfir verify read it back to the same bytes.
/// </summary>
public sealed class ParallelGzipStreamTests
{
    private static byte[] Compress(byte[] data, int blockSize, int workers, int level = 1, int chunk = 7919)
    {
        var output = new MemoryStream();
        using (var gz = new ParallelGzipStream(output, level, leaveOpen: true, blockSize, workers))
        {
            for (int at = 0; at < data.Length; at += chunk)
            {
                gz.Write(data.AsSpan(at, Math.Min(chunk, data.Length - at)));
            }
        }
        return output.ToArray();
    }

    /// <summary>Text-like data that compresses, with random stretches that do not.</summary>
    private static byte[] Mixed(int length, int seed)
    {
        var random = new Random(seed);
        var data = new byte[length];
        for (int at = 0; at < length;)
        {
            int run = Math.Min(length - at, random.Next(1, 3000));
            if (random.Next(3) == 0)
            {
                random.NextBytes(data.AsSpan(at, run));
            }
            else
            {
                for (int i = 0; i < run; i++)
                {
                    data[at + i] = (byte)"evidence of the container, line by line\n"[(at + i) % 40];
                }
            }
            at += run;
        }
        return data;
    }

    [Fact]
    public void Any_input_block_size_and_write_chunking_round_trips_with_the_right_trailer()
    {
        Prop.ForAll<int, int, int>((lengthSeed, blockSeed, seed) =>
        {
            int length = (int)((uint)lengthSeed % 40_000);
            int blockSize = 1 + (int)((uint)blockSeed % 9000);
            int chunk = 1 + (int)(((uint)seed >> 4) % 12_000);
            var data = Mixed(length, seed);
            var gzip = Compress(data, blockSize, workers: 1 + (int)((uint)seed % 3), level: 1 + (int)((uint)seed % 9), chunk: chunk);
            return ArchiveKit.Gunzip(gzip).AsSpan().SequenceEqual(data) &&
                   BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 8)) == Crc32.Append(0, data) &&
                   BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4)) == (uint)length;
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(150));
    }

    [Fact]
    public void Gnu_gzip_accepts_every_size_around_the_block_boundaries()
    {
        const int block = 4096;
        using var dir = new TempDirectory();
        foreach (int length in new[] { 0, 1, block - 1, block, block + 1, 2 * block, (3 * block) + 1, (9 * block) - 1 })
        {
            var data = Mixed(length, length);
            string file = dir.Combine($"{length}.gz");
            File.WriteAllBytes(file, Compress(data, block, workers: 2, chunk: 1000));
            ExternalTools.RunOk(dir.Path, "gzip", "-t", file);
            var plain = ExternalTools.Run(dir.Path, "gzip", "-dc", file);
            Assert.Equal(0, plain.ExitCode);
            Assert.Equal(data, plain.StdOut);
        }
    }

    [Fact]
    public void A_non_final_block_ends_with_a_byte_aligned_sync_flush_and_the_last_block_is_final()
    {
        var data = Mixed(10_000, 7);
        var output = new MemoryStream();
        using (var gz = new ParallelGzipStream(output, 1, leaveOpen: true, blockSize: 1 << 20, workers: 2))
        {
            gz.Write(data);
            gz.Flush();
            // RFC 1951 3.2.4: an empty stored block, BFINAL=0: LEN 0000, NLEN FFFF after byte alignment.
            Assert.True(output.ToArray().AsSpan()[^4..].SequenceEqual(new byte[] { 0x00, 0x00, 0xFF, 0xFF }));
            // Everything so far inflates (a decoder that stops at the flush point sees all the data).
            var raw = output.ToArray().AsSpan(10).ToArray();
            using var inflate = new DeflateStream(new MemoryStream(raw), CompressionMode.Decompress);
            var got = new byte[data.Length];
            inflate.ReadExactly(got);
            Assert.Equal(data, got);
            gz.Write(data);
        }
        Assert.Equal(data.Concat(data).ToArray(), ArchiveKit.Gunzip(output.ToArray()));
    }

    [Fact]
    public void The_length_field_wraps_past_4_GiB_and_zlib_checks_it()
    {
        // ISIZE is the length mod 2^32 (RFC 1952 2.3.1); zeros compress fast, nothing touches the disk.
        long length = (4L << 30) + 12_345;
        var zeros = new byte[4 << 20];
        var output = new MemoryStream();
        using (var gz = new ParallelGzipStream(output, 1, leaveOpen: true, blockSize: 4 << 20))
        {
            for (long left = length; left > 0; left -= zeros.Length)
            {
                gz.Write(zeros.AsSpan(0, (int)Math.Min(left, zeros.Length)));
            }
        }
        var gzip = output.ToArray();
        Assert.Equal(12_345u, BinaryPrimitives.ReadUInt32LittleEndian(gzip.AsSpan(gzip.Length - 4)));
        // zlib compares both trailer fields with what it inflated: a wrong one is an InvalidDataException.
        using var inflate = new GZipStream(new MemoryStream(gzip), CompressionMode.Decompress);
        long total = 0;
        int n;
        while ((n = inflate.Read(zeros)) > 0)
        {
            total += n;
        }
        Assert.Equal(length, total);
    }

    [Fact]
    public async Task An_output_failure_reaches_the_writer_and_disposing_does_not_hang()
    {
        var output = new FailingStream(failAfter: 50_000);
        var gz = new ParallelGzipStream(output, 1, leaveOpen: true, blockSize: 4096, workers: 2);
        var data = Mixed(1 << 20, 3);
        var error = Assert.Throws<IOException>(() =>
        {
            for (int at = 0; at < data.Length; at += 4096)
            {
                gz.Write(data.AsSpan(at, 4096));
            }
            gz.Flush();
        });
        Assert.Equal("disk full", error.Message);
        Assert.Throws<IOException>(() => gz.Write(data.AsSpan(0, 10)));
        // Hang guard: disposing joins the workers, which must not wait on the failed output.
        await Task.Run(gz.Dispose).WaitAsync(TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task A_tar_gz_archive_with_content_over_many_blocks_passes_gzip_tar_and_cfir_verify()
    {
        var big = Mixed(3_500_000, 11); // more than three 1 MiB blocks
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.TarGz, async w =>
        {
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("data/big.bin"), Content = EvidenceContent.FromBytes(big) }, default);
            await w.AddAsync(ArchiveKit.Bytes("data/small.txt", "small"), default);
        });
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.SealComplete);
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("a.tar.gz"), archive);
        ExternalTools.RunOk(dir.Path, "gzip", "-t", "a.tar.gz");
        string list = ExternalTools.TarOk(dir.Path, "-tzf", "a.tar.gz");
        Assert.Contains("data/big.bin", list, StringComparison.Ordinal);
        Assert.Equal(big, ArchiveKit.Member(ArchiveKit.Gunzip(archive), "data/big.bin"));
    }

    private sealed class FailingStream(long failAfter) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > failAfter)
            {
                throw new IOException("disk full");
            }
            base.Write(buffer, offset, count);
        }
    }
}
