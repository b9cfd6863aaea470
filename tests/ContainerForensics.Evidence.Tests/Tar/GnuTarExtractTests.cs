using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// Our archives, extracted by real GNU tar as root: GNU tar is the independent judge of whether
/// what we write means what we think. Checked on the extracted files with find(1), stat(1) and
/// lgetxattr(2).
/// </summary>
public sealed class GnuTarExtractTests
{
    private static readonly UnixTime MTime = new(1_700_000_000, 123_456_789);
    private static readonly byte[] Content = Encoding.ASCII.GetBytes("evidence\n");
    private static readonly byte[] BinaryXattr = [0x00, 0xFF, 0x0A, 0x3D, 0x25, 0x80, 0x01];
    private static readonly byte[] LongPath = Encoding.ASCII.GetBytes(
        string.Join('/', Enumerable.Range(0, 10).Select(i => new string((char)('a' + i), 29))));  // 299 bytes, 10 segments
    private static readonly byte[] NonUtf8Name = [0xFF, 0xFE];
    private static readonly byte[] NonUtf8Target = [(byte)'t', 0xFF, (byte)'x'];

    private static (TarHeader, byte[])[] Entries() =>
    [
        (new TarHeader { Name = "dir/"u8.ToArray(), Type = TarEntryType.Directory, Mode = 0x200 | 0b111_101_101, Uid = 1234, Gid = 5678, ModifiedTime = new UnixTime(1_600_000_000, 987_654_321) }, []),
        (new TarHeader
        {
            Name = "dir/file.txt"u8.ToArray(), Mode = 0x800 | 0x400 | 0b111_101_101, Uid = 3_000_000_000, Gid = 3_000_000_001,
            Size = Content.Length, ModifiedTime = MTime, AccessTime = new UnixTime(1_650_000_000, 5),
            ExtendedAttributes = [new("user.binary", BinaryXattr), new("user.a=b%c", "v"u8.ToArray())],
            ExtraRecords = [new("CFIR.source", "container:abc")],
        }, Content),
        (new TarHeader { Name = "dir/hard"u8.ToArray(), Type = TarEntryType.HardLink, LinkName = "dir/file.txt"u8.ToArray(), ModifiedTime = MTime }, []),
        (new TarHeader { Name = "dir/sym"u8.ToArray(), Type = TarEntryType.Symlink, Mode = 0x1FF, LinkName = "file.txt"u8.ToArray(), ModifiedTime = MTime }, []),
        (new TarHeader { Name = "dir/sym-binary"u8.ToArray(), Type = TarEntryType.Symlink, Mode = 0x1FF, LinkName = NonUtf8Target, ModifiedTime = MTime }, []),
        (new TarHeader { Name = "dir/fifo"u8.ToArray(), Type = TarEntryType.Fifo, Mode = 0b110_000_000, ModifiedTime = MTime }, []),
        (new TarHeader { Name = "dir/null"u8.ToArray(), Type = TarEntryType.CharDevice, DevMajor = 1, DevMinor = 3, Mode = 0b110_110_110, ModifiedTime = MTime }, []),
        (new TarHeader { Name = "dir/loop9"u8.ToArray(), Type = TarEntryType.BlockDevice, DevMajor = 7, DevMinor = 9, Mode = 0b110_110_000, ModifiedTime = MTime }, []),
        (new TarHeader { Name = "dir/new\nline"u8.ToArray(), Size = 1, ModifiedTime = MTime }, [1]),
        (new TarHeader { Name = LongPath, Size = 3, ModifiedTime = MTime }, [1, 2, 3]),
        (new TarHeader { Name = NonUtf8Name, Size = 2, ModifiedTime = MTime }, [0xFF, 0xFE]),
        (new TarHeader { Name = "empty"u8.ToArray(), ModifiedTime = MTime }, []),
    ];

    [Fact]
    public void Gnu_tar_lists_our_archive()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("a.tar"), TarTestArchive.Write(Entries()));
        string listing = ExternalTools.TarOk(temp.Path, "--numeric-owner", "-tvf", "a.tar");
        string[] lines = listing.Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal(Entries().Length, lines.Length);
        Assert.StartsWith("drwxr-xr-t 1234/5678 ", lines[0], StringComparison.Ordinal);
        Assert.Matches(@"^-rwsr-sr-x 3000000000/3000000001\s+9 2023-11-14 22:13 dir/file\.txt$", lines[1]);
        Assert.EndsWith("dir/hard link to dir/file.txt", lines[2], StringComparison.Ordinal);
        Assert.EndsWith("dir/sym -> file.txt", lines[3], StringComparison.Ordinal);
        Assert.EndsWith(@"dir/sym-binary -> t\377x", lines[4], StringComparison.Ordinal);
        Assert.StartsWith("prw------- ", lines[5], StringComparison.Ordinal);
        Assert.Matches(@"^crw-rw-rw- 0/0\s+1,3 ", lines[6]);
        Assert.Matches(@"^brw-rw---- 0/0\s+7,9 ", lines[7]);
        Assert.EndsWith(@"dir/new\nline", lines[8], StringComparison.Ordinal);
        Assert.EndsWith(" " + Encoding.ASCII.GetString(LongPath), lines[9], StringComparison.Ordinal);
        Assert.EndsWith(@" \377\376", lines[10], StringComparison.Ordinal);
        Assert.Matches(@"^-rw-r--r-- 0/0\s+0 2023-11-14 22:13 empty$", lines[11]);
    }

    [Fact]
    public void Size_beyond_ustar_goes_to_a_pax_size_record()
    {
        // Only the headers come from the writer; the 8 GiB of content are a hole in the archive
        // file (zeros are valid content), so the test stays small and fast.
        long size = (8L << 30) + 1;
        var headers = new MemoryStream();
        using (var writer = new PaxTarWriter(headers, leaveOpen: true))
        {
            writer.BeginEntry(new TarHeader { Name = "huge.bin"u8.ToArray(), Size = size, ModifiedTime = MTime });
        }
        var bytes = headers.ToArray();
        Assert.Contains("size=8589934593\n", Encoding.ASCII.GetString(bytes), StringComparison.Ordinal);
        Assert.Equal("00000000000\0"u8.ToArray(), bytes[^512..][124..136]);  // ustar size field: 0, the record rules

        using var temp = new TempDirectory();
        string path = temp.Combine("huge.tar");
        using (var file = File.Create(path))
        {
            file.Write(bytes);
            file.SetLength(bytes.Length + ((size + 511) & ~511L) + 1024);
        }
        string listing = ExternalTools.TarOk(temp.Path, "-tvf", "huge.tar");
        Assert.Matches(@"^-rw-r--r-- \S+\s+8589934593 2023-11-14 22:13 huge\.bin\n$", listing);

        using var reader = new PaxTarReader(File.OpenRead(path));
        var entry = reader.Next()!;
        Assert.Equal(size, entry.Header.Size);
        Assert.Equal(size, entry.StoredSize);
        Assert.Null(reader.Next());  // skipped by seeking, not by reading 8 GiB
        Assert.Equal(new FileInfo(path).Length, reader.Position);
    }

    [Fact]
    public void Gnu_tar_extracts_every_field_as_written()
    {
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("a.tar"), TarTestArchive.Write(Entries()));
        Directory.CreateDirectory(temp.Combine("out"));
        ExternalTools.TarOk(temp.Path, "--xattrs", "--xattrs-include=*", "--numeric-owner", "-xpf", "a.tar", "-C", "out");
        string root = temp.Combine("out");
        var tree = ExtractedTree.Read(root);

        var dir = tree["dir"];
        Assert.Equal('d', dir.Type);
        Assert.Equal(0x200u | 0b111_101_101, dir.Mode);
        Assert.Equal((1234, 5678), (dir.Uid, dir.Gid));
        Assert.Equal((1_600_000_000L, 987_654_321u), (dir.Seconds, dir.Nanoseconds));

        var file = tree["dir/file.txt"];
        Assert.Equal('f', file.Type);
        Assert.Equal(0x800u | 0x400 | 0b111_101_101, file.Mode);  // setuid and setgid survive as root with -p
        Assert.Equal((3_000_000_000L, 3_000_000_001L), (file.Uid, file.Gid));
        Assert.Equal((MTime.Seconds, MTime.Nanoseconds), (file.Seconds, file.Nanoseconds));
        // GNU tar restores atime only in incremental mode (extract.c, set_stat: UTIME_NOW
        // otherwise). The archive holds it (PaxTarRoundTripTests); the extracted file cannot.
        Assert.NotEqual("1650000000.000000005", ExternalTools.Stat(root, "dir/file.txt").ATime);
        Assert.Equal(Content, File.ReadAllBytes(Path.Combine(root, "dir/file.txt")));
        Assert.Equal(BinaryXattr, Xattr.Get(Path.Combine(root, "dir/file.txt"), "user.binary"));
        Assert.Equal("v"u8.ToArray(), Xattr.Get(Path.Combine(root, "dir/file.txt"), "user.a=b%c"));

        Assert.Equal(file.Inode, tree["dir/hard"].Inode);  // a real hard link, not a copy
        Assert.Equal(2, ExternalTools.Stat(root, "dir/file.txt").Links);

        Assert.Equal('l', tree["dir/sym"].Type);
        Assert.Equal("file.txt"u8.ToArray(), tree["dir/sym"].LinkTarget);
        Assert.Equal(NonUtf8Target, tree["dir/sym-binary"].LinkTarget);
        Assert.Equal((MTime.Seconds, MTime.Nanoseconds), (tree["dir/sym"].Seconds, tree["dir/sym"].Nanoseconds));

        Assert.Equal('p', tree["dir/fifo"].Type);
        Assert.Equal(0b110_000_000u, tree["dir/fifo"].Mode);
        var nul = ExternalTools.Stat(root, "dir/null");
        Assert.Equal(("character special file", 1, 3), (nul.FileType, nul.Major, nul.Minor));
        var loop = ExternalTools.Stat(root, "dir/loop9");
        Assert.Equal(("block special file", 7, 9), (loop.FileType, loop.Major, loop.Minor));

        Assert.Equal(1, tree["dir/new\nline"].Size);
        Assert.Equal(new byte[] { 1, 2, 3 }, File.ReadAllBytes(Path.Combine(root, Encoding.ASCII.GetString(LongPath))));
        var binary = tree[ExtractedTree.Key(NonUtf8Name)];
        Assert.Equal(NonUtf8Name, binary.Path);
        Assert.Equal(2, binary.Size);
        Assert.Equal(0, tree["empty"].Size);
        Assert.Equal((MTime.Seconds, MTime.Nanoseconds), (tree["empty"].Seconds, tree["empty"].Nanoseconds));
    }

    [Fact]
    public void Gnu_tar_accepts_what_it_extracted_back_into_our_reader()
    {
        // Full circle: our archive -> GNU extract -> GNU --format=posix archive -> our reader.
        using var temp = new TempDirectory();
        File.WriteAllBytes(temp.Combine("a.tar"), TarTestArchive.Write(Entries()));
        Directory.CreateDirectory(temp.Combine("out"));
        ExternalTools.TarOk(temp.Path, "--xattrs", "--xattrs-include=*", "-xpf", "a.tar", "-C", "out");
        ExternalTools.TarOk(temp.Path, "--format=posix", "--xattrs", "--xattrs-include=*", "-cf", "b.tar", "-C", "out", ".");

        var read = TarTestArchive.ReadAll(File.ReadAllBytes(temp.Combine("b.tar")))
            .ToDictionary(r => ExtractedTree.Key(r.Entry.Header.Name), StringComparer.Ordinal);
        var file = read["./dir/file.txt"];
        Assert.Equal(Content, file.Content);
        Assert.Equal(MTime, file.Entry.Header.ModifiedTime);
        Assert.Equal(3_000_000_000, file.Entry.Header.Uid);
        Assert.Equal(BinaryXattr, file.Entry.Header.ExtendedAttributes.Single(x => x.Key == "user.binary").Value);
        Assert.Equal("v"u8.ToArray(), file.Entry.Header.ExtendedAttributes.Single(x => x.Key == "user.a=b%c").Value);
        Assert.Equal(TarEntryType.HardLink, read["./dir/hard"].Entry.Header.Type);
        Assert.Equal(NonUtf8Target, read["./dir/sym-binary"].Entry.Header.LinkName);
        Assert.Equal((7u, 9u), (read["./dir/loop9"].Entry.Header.DevMajor, read["./dir/loop9"].Entry.Header.DevMinor));
        Assert.Equal(new byte[] { 1, 2, 3 }, read["./" + Encoding.ASCII.GetString(LongPath)].Content);
        Assert.Equal(new byte[] { 0xFF, 0xFE }, read["./" + ExtractedTree.Key(NonUtf8Name)].Content);
    }
}
