using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// Sparse files in GNU pax sparse format 1.0, checked against GNU tar: it must list the real
/// size and extract a file with holes, the right length and the data at the right offsets.
/// </summary>
public sealed class GnuTarSparseTests
{
    private static readonly UnixTime MTime = new(1_700_000_000, 1);

    [Fact]
    public void Twenty_gib_sparse_file_stays_small_and_gnu_tar_restores_it()
    {
        long size = 20L << 30;
        var segments = new[] { new DataSegment(0, 4096), new DataSegment(10L << 30, 4096) };
        var data = new byte[8192];
        new Random(20).NextBytes(data);

        using var temp = new TempDirectory();
        string archivePath = temp.Combine("sparse.tar");
        using (var output = File.Create(archivePath))
        using (var writer = new PaxTarWriter(output))
        {
            writer.BeginEntry(new TarHeader { Name = "images/disk.img"u8.ToArray(), Size = size, Sparse = segments, ModifiedTime = MTime });
            writer.WriteData(data);
            writer.EndEntry();
            writer.Finish();
        }
        Assert.True(new FileInfo(archivePath).Length < 16 * 1024, $"archive is {new FileInfo(archivePath).Length} bytes");

        string listing = ExternalTools.TarOk(temp.Path, "-tvf", "sparse.tar");
        Assert.Matches(@"^-rw-r--r-- \S+\s+21474836480 2023-11-14 22:13 images/disk\.img\n$", listing);

        Directory.CreateDirectory(temp.Combine("out"));
        ExternalTools.TarOk(temp.Path, "-xpf", "sparse.tar", "-C", "out");
        string extracted = temp.Combine("out", "images", "disk.img");
        var stat = ExternalTools.Stat(temp.Path, extracted);
        Assert.Equal(size, stat.Size);
        Assert.True(stat.Blocks512 * 512 < 1 << 20, $"extracted file occupies {stat.Blocks512 * 512} bytes: holes were filled");

        // Read only the interesting ranges; hashing 20 GiB is not this test's job.
        using var file = File.OpenRead(extracted);
        Assert.Equal(data[..4096], ReadAt(file, 0, 4096));
        Assert.Equal(data[4096..], ReadAt(file, 10L << 30, 4096));
        Assert.Equal(new byte[4096], ReadAt(file, 4096, 4096));
        Assert.Equal(new byte[4096], ReadAt(file, (10L << 30) - 4096, 4096));
        Assert.Equal(new byte[4096], ReadAt(file, size - 4096, 4096));

        // Our reader agrees on the map and finds the data where it belongs.
        using var reader = new PaxTarReader(File.OpenRead(archivePath));
        var entry = reader.Next()!;
        Assert.Equal(size, entry.Header.Size);
        Assert.Equal(segments, entry.Header.Sparse);
        var head = new byte[4096];
        Assert.Equal(4096, ReadFully(reader, head));
        Assert.Equal(data[..4096], head);
    }

    [Fact]
    public void Three_mib_sparse_files_extract_byte_for_byte()
    {
        long size = 3L << 20;
        var random = new Random(3);
        var cases = new (string Name, DataSegment[] Segments)[]
        {
            ("middle", [new DataSegment(1000, 5000), new DataSegment(1_048_576, 65_536), new DataSegment(2_000_001, 3)]),
            ("ends-in-data", [new DataSegment(0, 1), new DataSegment(size - 700, 700)]),
            ("all-hole", []),
            ("all-data", [new DataSegment(0, size)]),
            ("many", Enumerable.Range(0, 200).Select(i => new DataSegment(i * 15_000L + 17, 1 + i * 37)).ToArray()),
        };
        var entries = cases.Select(c =>
        {
            var data = new byte[c.Segments.Sum(s => s.Length)];
            random.NextBytes(data);
            return (Header: new TarHeader { Name = System.Text.Encoding.ASCII.GetBytes(c.Name), Size = size, Sparse = c.Segments, ModifiedTime = MTime }, Data: data);
        }).ToArray();

        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("s.tar"), TarTestArchive.Write(entries.Select(e => (e.Header, e.Data)).ToArray()));
        Directory.CreateDirectory(temp.Combine("out"));
        ExternalTools.TarOk(temp.Path, "-xpf", "s.tar", "-C", "out");

        var read = TarTestArchive.ReadAll(File.ReadAllBytes(temp.Combine("s.tar")));
        var tree = ExtractedTree.Read(temp.Combine("out"));
        for (int i = 0; i < entries.Length; i++)
        {
            var expected = TarTestArchive.Expand(size, cases[i].Segments, entries[i].Data);
            Assert.Equal(expected, File.ReadAllBytes(temp.Combine("out", cases[i].Name)));
            Assert.Equal(expected, read[i].Content);
            Assert.Equal(size, tree[cases[i].Name].Size);
            Assert.Equal((MTime.Seconds, MTime.Nanoseconds), (tree[cases[i].Name].Seconds, tree[cases[i].Name].Nanoseconds));
        }
    }

    [Fact]
    public void Gnu_tar_sparse_archive_reads_like_the_file_on_disk()
    {
        // GNU tar's own 1.0 map (with its final zero-length segment) read by our reader.
        using var temp = new TempDirectory();
        string path = temp.Combine("src", "f");
        Directory.CreateDirectory(temp.Combine("src"));
        using (var f = File.Create(path))
        {
            f.SetLength(5 << 20);
            f.Position = 1 << 20;
            f.Write(new byte[] { 1, 2, 3 });
            f.Position = (5 << 20) - 2;
            f.Write(new byte[] { 4, 5 });
        }
        ExternalTools.TarOk(temp.Path, "--sparse", "--format=posix", "--sparse-version=1.0", "-cf", "g.tar", "-C", "src", "f");
        var read = TarTestArchive.ReadAll(File.ReadAllBytes(temp.Combine("g.tar")));
        var entry = Assert.Single(read);
        Assert.Equal("f"u8.ToArray(), entry.Entry.Header.Name);
        Assert.Equal(5L << 20, entry.Entry.Header.Size);
        Assert.NotNull(entry.Entry.Header.Sparse);
        Assert.Equal(File.ReadAllBytes(path), entry.Content);
    }

    private static byte[] ReadAt(FileStream file, long offset, int count)
    {
        var buffer = new byte[count];
        file.Position = offset;
        file.ReadExactly(buffer);
        return buffer;
    }

    private static int ReadFully(PaxTarReader reader, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = reader.ReadLogical(buffer[total..]);
            if (n == 0)
            {
                break;
            }
            total += n;
        }
        return total;
    }
}
