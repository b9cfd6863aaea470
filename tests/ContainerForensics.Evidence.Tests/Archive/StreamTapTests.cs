using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.IO;
using ContainerForensics.Evidence.Reading;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// The stream tap (collect's findings read as the archive is written) gets exactly the
/// uncompressed tar stream the archive holds, and a tap that fails takes nothing from the archive.
/// </summary>
public sealed class StreamTapTests
{
    private static async Task<byte[]> BuildAsync(ArchiveFormat format, Stream? tap)
    {
        var blob = new byte[5 << 20];
        new Random(11).NextBytes(blob);
        return await ArchiveKit.BuildAsync(format, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("fs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n"), default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/blob"), Content = EvidenceContent.FromBytes(blob) }, default);
            await w.AddAsync(ArchiveKit.Bytes("logs/stdout.log", string.Concat(Enumerable.Repeat("GET /shell.php?c=id\n", 50_000))), default);
        }, streamTap: tap);
    }

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    [InlineData(ArchiveFormat.TarZst)]
    public async Task The_tap_gets_the_uncompressed_tar_stream_byte_for_byte(ArchiveFormat format)
    {
        var tap = new MemoryStream();
        var archive = await BuildAsync(format, tap);

        var tar = new MemoryStream();
        using (var input = Decompressed(format, archive))
        {
            input.CopyTo(tar);
        }
        Assert.True(tar.Length > 5 << 20);
        Assert.Equal(tar.ToArray(), tap.ToArray());
    }

    [Fact]
    public async Task A_tap_read_on_another_thread_through_a_bounded_pipe_reads_the_archive_whole()
    {
        using var pipe = new BoundedPipe();
        var members = new List<string>();
        var reading = Task.Factory.StartNew(() =>
        {
            using var reader = new EvidenceArchiveReader(pipe.Reader, new ArchiveReaderOptions { Hashes = false });
            while (reader.MoveNext())
            {
                members.Add(reader.Current!.Name);
            }
            return reader.Seal;
        }, TaskCreationOptions.LongRunning);

        await BuildAsync(ArchiveFormat.TarGz, pipe.Writer);
        pipe.CompleteWriting();
        var seal = await reading;

        Assert.NotNull(seal);
        Assert.Contains("fs/blob", members);
        Assert.Equal(ArchiveNames.Seal.Value, members[^1]);
    }

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarZst)]
    public async Task A_tap_that_fails_is_dropped_and_the_archive_is_whole(ArchiveFormat format)
    {
        var tap = new FailingTap(failAfter: 3);
        var archive = await BuildAsync(format, tap);

        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.CollectionComplete);
        Assert.Equal(4, tap.Writes); // three taken, the fourth threw, nothing after it
    }

    private static Stream Decompressed(ArchiveFormat format, byte[] archive) => format switch
    {
        ArchiveFormat.TarGz => new System.IO.Compression.GZipStream(new MemoryStream(archive), System.IO.Compression.CompressionMode.Decompress),
        ArchiveFormat.TarZst => new ZstdFrameStream(new MemoryStream(archive)),
        _ => new MemoryStream(archive),
    };

    private sealed class FailingTap(int failAfter) : WriteOnlyStream
    {
        public int Writes { get; private set; }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            if (++Writes > failAfter)
            {
                throw new IOException("the tap's reader is gone");
            }
        }
    }
}
