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

    /// <summary>Lines of hex digests, like SHA256SUMS: what the writer's closing records are made of.</summary>
    private static byte[] HexLines(int lines, int seed)
    {
        var random = new Random(seed);
        var text = new System.Text.StringBuilder();
        var digest = new byte[32];
        for (int i = 0; i < lines; i++)
        {
            random.NextBytes(digest);
            text.Append(Convert.ToHexStringLower(digest)).Append("  containers/docker/-/c/filesystem/changed/data/f").Append(i).Append('\n');
        }
        return System.Text.Encoding.UTF8.GetBytes(text.ToString());
    }

    [Fact]
    public void Raising_the_level_mid_stream_keeps_one_member_and_compresses_hex_lines_smaller()
    {
        const int block = 64 << 10;
        var head = Mixed(3 * block + 777, 21);
        var records = HexLines(20_000, 4);
        byte[] Run(bool raise)
        {
            var output = new MemoryStream();
            using (var gz = new ParallelGzipStream(output, 1, leaveOpen: true, block, workers: 2))
            {
                gz.Write(head);
                if (raise)
                {
                    gz.Level = 2; // the block being filled and every later one
                }
                Assert.Equal(raise ? 2 : 1, gz.Level);
                gz.Write(records);
            }
            return output.ToArray();
        }
        var plain = Run(raise: false);
        var raised = Run(raise: true);
        byte[] data = [.. head, .. records];
        Assert.Equal(data, ArchiveKit.Gunzip(raised));
        Assert.Equal(4, raised[8]); // XFL still says level 1, the level the member began with
        Assert.True(raised.Length < plain.Length * 0.8, $"{raised.Length} bytes at level 2 against {plain.Length} at level 1");
        using var dir = new TempDirectory();
        string file = dir.Combine("raised.gz");
        File.WriteAllBytes(file, raised);
        ExternalTools.RunOk(dir.Path, "gzip", "-t", file);
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
    public void Incompressible_blocks_are_stored_and_the_member_still_reads_back_with_gzip_and_zlib()
    {
        const int block = 1 << 20;
        var random = new byte[(3 * block) + 12345]; // the last block, the final one, is random too
        new Random(11).NextBytes(random);
        var text = Mixed(block, 5).Select(b => (byte)(b & 0x3F)).ToArray(); // compresses well
        byte[] data = [.. random.AsSpan(0, 2 * block), .. text, .. random.AsSpan(2 * block)];

        var gzip = Compress(data, block, workers: 2, chunk: 65536);

        Assert.Equal(data, ArchiveKit.Gunzip(gzip));
        // Deflated, random bytes grow by about 5 % at level 1; stored, by 5 bytes per 65,535.
        Assert.True(gzip.Length < random.Length * 1.001 + (text.Length * 0.6), $"{gzip.Length} bytes for {random.Length} random and {text.Length} text");
        using var dir = new TempDirectory();
        string file = dir.Combine("mixed.gz");
        File.WriteAllBytes(file, gzip);
        ExternalTools.RunOk(dir.Path, "gzip", "-t", file);
    }

    [Fact]
    public void Random_data_is_judged_incompressible_and_text_and_executables_are_not()
    {
        var scratch = new MemoryStream();
        var random = new byte[1 << 20];
        new Random(3).NextBytes(random);
        Assert.True(ParallelGzipStream.LooksIncompressible(random, scratch));
        Assert.False(ParallelGzipStream.LooksIncompressible(Mixed(1 << 20, 9), scratch));
        var elf = File.ReadAllBytes("/bin/ls"); // machine code with tables: compresses by about half
        Assert.False(ParallelGzipStream.LooksIncompressible(elf, scratch));
        // Too short to judge by samples: always deflated.
        Assert.False(ParallelGzipStream.LooksIncompressible(random.AsSpan(0, 60_000), scratch));
        Assert.Equal(0, scratch.Length);
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    [InlineData(65535, true)]
    [InlineData(65536, false)]
    [InlineData(200_000, true)]
    public void Stored_blocks_split_at_65535_bytes_and_only_the_last_of_a_final_block_is_final(int length, bool final)
    {
        var data = new byte[length];
        new Random(length).NextBytes(data);
        var output = new MemoryStream();
        ParallelGzipStream.WriteStored(output, data, final);
        var raw = output.ToArray();
        int blocks = Math.Max(1, (length + 65534) / 65535);
        Assert.Equal(length + (5 * blocks), raw.Length);
        for (int i = 0, at = 0; i < blocks; i++)
        {
            int n = Math.Min(65535, length - (i * 65535));
            Assert.Equal(final && i == blocks - 1 ? 1 : 0, raw[at]);
            Assert.Equal(n, BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(at + 1)));
            Assert.Equal((ushort)~n, BinaryPrimitives.ReadUInt16LittleEndian(raw.AsSpan(at + 3)));
            at += 5 + n;
        }
        if (!final)
        {
            raw = [.. raw, 0x03, 0x00]; // an empty final block ends the stream for the decoder
        }
        using var inflate = new DeflateStream(new MemoryStream(raw), CompressionMode.Decompress);
        var back = new MemoryStream();
        inflate.CopyTo(back);
        Assert.Equal(data, back.ToArray());
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
        Assert.True(report.CollectionComplete);
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
