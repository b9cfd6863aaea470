using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>Our writer, read back by our reader: every header field survives, offsets are exact.</summary>
public sealed class PaxTarRoundTripTests
{
    private static readonly UnixTime MTime = new(1_700_000_000, 123_456_789);

    [Fact]
    public void Every_entry_type_round_trips_with_all_fields()
    {
        var content = Encoding.ASCII.GetBytes("hello\n");
        var headers = new (TarHeader, byte[])[]
        {
            (new TarHeader
            {
                Name = "dir/"u8.ToArray(), Type = TarEntryType.Directory, Mode = 0b111_101_101 | 0x200, // sticky
                ModifiedTime = MTime,
            }, []),
            (new TarHeader
            {
                Name = "dir/file.txt"u8.ToArray(), Mode = 0x800 | 0x400 | 0b111_101_101, // setuid, setgid, 0755
                Uid = 3_000_000_000, Gid = 4_000_000_000, UserName = "ünïcode-user", GroupName = "a-very-long-group-name-beyond-31-bytes",
                Size = content.Length, ModifiedTime = MTime, AccessTime = new UnixTime(1_600_000_000, 1), ChangeTime = new UnixTime(-2, 750_000_000),
                ExtendedAttributes = [new("user.bin", [0, 0xFF, 0x0A, 0x3D, 0x25]), new("security.capability", [1, 2, 3]), new("user.a=b%c", [])],
                ExtraRecords = [new("CFIR.type", "socket"), new("CFIR.note", "line1\nline2")],
            }, content),
            (new TarHeader { Name = "dir/hard"u8.ToArray(), Type = TarEntryType.HardLink, LinkName = "dir/file.txt"u8.ToArray(), ModifiedTime = MTime }, []),
            (new TarHeader { Name = "dir/sym"u8.ToArray(), Type = TarEntryType.Symlink, LinkName = [.. "../"u8, 0xFF, 0xFE, .. "target"u8], ModifiedTime = MTime }, []),
            (new TarHeader { Name = "dir/unreadable-link"u8.ToArray(), Type = TarEntryType.Symlink, LinkName = [], ModifiedTime = MTime }, []),
            (new TarHeader { Name = "dev/null"u8.ToArray(), Type = TarEntryType.CharDevice, DevMajor = 1, DevMinor = 3, ModifiedTime = MTime }, []),
            (new TarHeader { Name = "dev/big"u8.ToArray(), Type = TarEntryType.BlockDevice, DevMajor = 4095, DevMinor = 3_000_000, ModifiedTime = MTime }, []),
            (new TarHeader { Name = "fifo"u8.ToArray(), Type = TarEntryType.Fifo, ModifiedTime = MTime }, []),
            (new TarHeader { Name = "empty"u8.ToArray(), ModifiedTime = MTime }, []),
        };
        var archive = TarTestArchive.Write(headers);
        var read = TarTestArchive.ReadAll(archive);

        Assert.Equal(headers.Length, read.Count);
        for (int i = 0; i < headers.Length; i++)
        {
            AssertSameHeader(headers[i].Item1, read[i].Entry.Header);
            Assert.Equal(headers[i].Item2, read[i].Content);
        }
        Assert.Equal("socket", Encoding.UTF8.GetString(read[1].Entry.PaxRecords["CFIR.type"]));
    }

    [Fact]
    public void Header_offsets_and_position_are_exact()
    {
        var output = new MemoryStream();
        var offsets = new List<long>();
        using (var writer = new PaxTarWriter(output, leaveOpen: true))
        {
            for (int i = 0; i < 5; i++)
            {
                offsets.Add(writer.Position);
                var data = new byte[i * 700];
                writer.BeginEntry(new TarHeader { Name = Encoding.ASCII.GetBytes($"f{i}"), Size = data.Length, ModifiedTime = MTime });
                writer.WriteData(data);
                writer.EndEntry();
                Assert.Equal(0, writer.Position % 512);
            }
            writer.Finish();
        }
        using var reader = new PaxTarReader(new NonSeekableStream(output.ToArray()));
        Assert.Equal(0, reader.Position);
        for (int i = 0; i < 5; i++)
        {
            var entry = reader.Next()!;
            Assert.Equal(offsets[i], entry.HeaderOffset);
            Assert.Equal(entry.DataOffset, reader.Position);
            Assert.Equal(offsets[i] + 1024 + 512, entry.DataOffset); // 'x' block, one block of records, ustar block
            Assert.Equal(i * 700, entry.StoredSize);
        }
        Assert.Null(reader.Next());
        Assert.Equal(output.Length, reader.Position);
        Assert.Null(reader.Next());
    }

    [Fact]
    public void Long_and_odd_names_round_trip()
    {
        byte[] longName = Encoding.ASCII.GetBytes(string.Join('/', Enumerable.Range(0, 30).Select(i => $"seg{i:D5}")));  // 299 bytes
        byte[][] names =
        [
            longName,
            "a\nnewline"u8.ToArray(),
            [0xFF, 0xFE],
            Encoding.ASCII.GetBytes(new string('x', 100)),               // exactly the name field, no NUL
            Encoding.ASCII.GetBytes(new string('p', 155) + "/" + new string('n', 100)), // exactly prefix + name
            Encoding.ASCII.GetBytes(new string('q', 101)),               // one over, no '/' to split at
        ];
        var archive = TarTestArchive.Write(names.Select(n => (new TarHeader { Name = n, ModifiedTime = MTime }, Array.Empty<byte>())).ToArray());
        var read = TarTestArchive.ReadAll(archive);
        Assert.Equal(names, read.Select(r => r.Entry.Header.Name));
        Assert.False(read[4].Entry.PaxRecords.ContainsKey("path"));  // fits prefix + name exactly: ustar only
        Assert.True(read[5].Entry.PaxRecords.ContainsKey("path"));
        Assert.Equal("BINARY", Encoding.ASCII.GetString(read[2].Entry.PaxRecords["hdrcharset"]));
    }

    [Fact]
    public void Sizes_beyond_ustar_go_to_pax_and_read_back()
    {
        // A regular file of 8 GiB + 1 cannot be written here cheaply; a sparse one can.
        long size = (8L << 30) + 1;
        var segments = new[] { new DataSegment(size - 1, 1) };
        var archive = TarTestArchive.Write((new TarHeader { Name = "big"u8.ToArray(), Size = size, Sparse = segments, ModifiedTime = MTime }, [42]));
        using var reader = new PaxTarReader(new MemoryStream(archive));
        var entry = reader.Next()!;
        Assert.Equal(size, entry.Header.Size);
        Assert.Equal(segments, entry.Header.Sparse);
    }

    [Fact]
    public void Sparse_entry_reads_back_logically_byte_for_byte()
    {
        // 3 MiB with segments that start and end off block boundaries, and a trailing hole.
        long size = 3L << 20;
        var segments = new[] { new DataSegment(0, 4096), new DataSegment(100_000, 12_345), new DataSegment(1_500_001, 70_000), new DataSegment(2_999_000, 1) };
        var random = new Random(7);
        var data = new byte[segments.Sum(s => s.Length)];
        random.NextBytes(data);
        var archive = TarTestArchive.Write(
            (new TarHeader { Name = "sparse.bin"u8.ToArray(), Size = size, Sparse = segments, ModifiedTime = MTime }, data),
            (new TarHeader { Name = "after"u8.ToArray(), Size = 3, ModifiedTime = MTime }, [1, 2, 3]));
        Assert.True(archive.Length < 100_000 + 10_000);

        var read = TarTestArchive.ReadAll(archive);
        Assert.Equal(TarTestArchive.Expand(size, segments, data), read[0].Content);
        // Interior segments come back widened to whole blocks (see GnuSparseMap.Layout); content is the same.
        DataSegment[] stored = [new(0, 4096), new(100_000, 12_800), new(1_500_001, 70_144), new(2_999_000, 1)];
        Assert.Equal(stored, read[0].Entry.Header.Sparse);
        Assert.Equal(size, read[0].Entry.Header.Size);
        Assert.Equal("sparse.bin"u8.ToArray(), read[0].Entry.Header.Name);
        Assert.Equal(new byte[] { 1, 2, 3 }, read[1].Content);
    }

    [Fact]
    public void Sparse_entries_all_hole_and_all_data_round_trip()
    {
        var full = new byte[1000];
        new Random(1).NextBytes(full);
        var archive = TarTestArchive.Write(
            (new TarHeader { Name = "hole"u8.ToArray(), Size = 1 << 20, Sparse = [], ModifiedTime = MTime }, []),
            (new TarHeader { Name = "dense"u8.ToArray(), Size = 1000, Sparse = [new DataSegment(0, 1000)], ModifiedTime = MTime }, full),
            (new TarHeader { Name = "zero"u8.ToArray(), Size = 0, Sparse = [], ModifiedTime = MTime }, []));
        var read = TarTestArchive.ReadAll(archive);
        Assert.Equal(new byte[1 << 20], read[0].Content);
        Assert.Empty(read[0].Entry.Header.Sparse!);
        Assert.Equal(full, read[1].Content);
        Assert.Empty(read[2].Content);
    }

    [Fact]
    public void Skipping_unread_content_lands_on_the_next_entry()
    {
        var big = new byte[200_000];
        var archive = TarTestArchive.Write(
            (new TarHeader { Name = "a"u8.ToArray(), Size = big.Length, ModifiedTime = MTime }, big),
            (new TarHeader { Name = "s"u8.ToArray(), Size = 1 << 20, Sparse = [new DataSegment(5000, 3000)], ModifiedTime = MTime }, new byte[3000]),
            (new TarHeader { Name = "b"u8.ToArray(), Size = 1, ModifiedTime = MTime }, [9]));
        var some = new byte[10];
        foreach (Stream input in new Stream[] { new NonSeekableStream(archive), new MemoryStream(archive) })
        {
            using var reader = new PaxTarReader(input);
            Assert.Equal("a"u8.ToArray(), reader.Next()!.Header.Name);
            Assert.Equal(10, reader.ReadLogical(some));
            Assert.Equal("s"u8.ToArray(), reader.Next()!.Header.Name);
            var last = reader.Next()!;
            Assert.Equal("b"u8.ToArray(), last.Header.Name);
            Assert.Equal(1, reader.ReadLogical(some));
            Assert.Equal(9, some[0]);
            Assert.Null(reader.Next());
        }
    }

    [Fact]
    public void Arbitrary_names_and_fields_round_trip()
    {
        // Names: 1..6 segments of arbitrary bytes except NUL and '/', sometimes very long.
        var segmentByte = Gen.Choose(1, 255).Where(b => b != '/').Select(b => (byte)b);
        var segment = Gen.Sized(size => Gen.Choose(1, Math.Max(1, size * 3)))
            .SelectMany(length => Gen.ArrayOf(segmentByte, length));
        var name = Gen.Choose(1, 6).SelectMany(count => Gen.ArrayOf(segment, count))
            .Select(parts => parts.Aggregate((a, b) => [.. a, (byte)'/', .. b]));
        var time = Gen.Zip(Gen.Choose(-100_000, int.MaxValue), Gen.Choose(0, 999_999_999))
            .Select(t => new UnixTime(t.Item1 * 3L, (uint)t.Item2));
        var ids = Gen.Elements(0L, 1L, 0x1F_FFFFL, 0x20_0000L, 3_000_000_000L, long.MaxValue);
        var header = from n in name
                     from t in time
                     from uid in ids
                     from gid in ids
                     from mode in Gen.Choose(0, 0xFFF)
                     from xattr in ArbMap.Default.GeneratorFor<byte[]>()
                     select new TarHeader
                     {
                         Name = n, ModifiedTime = t, AccessTime = t, Uid = uid, Gid = gid, Mode = (uint)mode,
                         ExtendedAttributes = [new("user.x", xattr)],
                     };

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(300), Prop.ForAll(Gen.ListOf(header).ToArbitrary(), headers =>
        {
            var archive = TarTestArchive.Write(headers.Select(h => (h, Array.Empty<byte>())).ToArray());
            var read = TarTestArchive.ReadAll(archive);
            Assert.Equal(headers.Count, read.Count);
            for (int i = 0; i < headers.Count; i++)
            {
                AssertSameHeader(headers[i], read[i].Entry.Header);
            }
        }));
    }

    [Fact]
    public void Global_headers_apply_and_gnu_long_names_are_read()
    {
        // Hand-made: a 'g' header with a comment and uname, a GNU 'L' long name, then a plain entry.
        var output = new MemoryStream();
        WriteMeta(output, (byte)'g', "pax_global_header"u8, "16 uname=global\n19 comment=archive\n"u8);
        byte[] longName = Encoding.ASCII.GetBytes(new string('L', 150) + "/file");
        WriteMeta(output, (byte)'L', "././@LongLink"u8, [.. longName, 0]);
        WriteMeta(output, (byte)'0', "short-fallback"u8, []);
        output.Write(new byte[1024]);

        using var reader = new PaxTarReader(new MemoryStream(output.ToArray()));
        var entry = reader.Next()!;
        Assert.Equal(longName, entry.Header.Name);
        Assert.Equal("global", entry.Header.UserName);
        Assert.Equal(1024, entry.HeaderOffset);  // the 'g' header (block + data block) belongs to no entry
        Assert.Contains(entry.Header.ExtraRecords, r => r.Key == "comment" && r.Value == "archive");
        Assert.Null(reader.Next());
    }

    [Fact]
    public void Invalid_headers_are_refused_before_anything_is_written()
    {
        var output = new MemoryStream();
        using var writer = new PaxTarWriter(output, leaveOpen: true);
        TarHeader[] bad =
        [
            new() { Name = [] },
            new() { Name = "/abs"u8.ToArray() },
            new() { Name = "a\0b"u8.ToArray() },
            new() { Name = "m"u8.ToArray(), Mode = 0x1000 },
            new() { Name = "d"u8.ToArray(), Type = TarEntryType.Directory, Size = 1 },
            new() { Name = "l"u8.ToArray(), Type = TarEntryType.Symlink },
            new() { Name = "r"u8.ToArray(), LinkName = "x"u8.ToArray() },
            new() { Name = "u"u8.ToArray(), Uid = -1 },
            new() { Name = "t"u8.ToArray(), ModifiedTime = new UnixTime(0, 1_000_000_000) },
            new() { Name = "s"u8.ToArray(), Size = 10, Sparse = [new DataSegment(5, 6)] },
            new() { Name = "s"u8.ToArray(), Size = 10, Sparse = [new DataSegment(5, 1), new DataSegment(0, 1)] },
            new() { Name = "e"u8.ToArray(), ExtraRecords = [new("path", "x")] },
            new() { Name = "e"u8.ToArray(), ExtraRecords = [new("a=b", "x")] },
            new() { Name = "e"u8.ToArray(), ExtraRecords = [new("CFIR.empty", "")] },
            new() { Name = "x"u8.ToArray(), ExtendedAttributes = [new("", [1])] },
            new() { Name = "n"u8.ToArray(), UserName = "a\0b" },
            new() { Name = "c"u8.ToArray(), DevMajor = 1 },
        ];
        foreach (var header in bad)
        {
            Assert.ThrowsAny<ArgumentException>(() => writer.BeginEntry(header));
            Assert.Equal(0, output.Length);
        }
    }

    [Fact]
    public void Content_must_match_the_announced_size()
    {
        var output = new MemoryStream();
        using var writer = new PaxTarWriter(output, leaveOpen: true);
        writer.BeginEntry(new TarHeader { Name = "f"u8.ToArray(), Size = 10 });
        writer.WriteData(new byte[4]);
        Assert.Throws<InvalidOperationException>(() => writer.WriteData(new byte[7]));
        Assert.Throws<InvalidOperationException>(writer.EndEntry);
        Assert.Throws<InvalidOperationException>(() => writer.BeginEntry(new TarHeader { Name = "g"u8.ToArray() }));
        Assert.Throws<InvalidOperationException>(writer.Finish);
        Assert.Equal(6, writer.EntryBytesRemaining);
        writer.WriteZeros(6);  // the caller can still complete the entry
        writer.EndEntry();
        writer.Finish();
        var read = TarTestArchive.ReadAll(output.ToArray());
        Assert.Equal(new byte[10], read[0].Content);
    }

    [Fact]
    public void Dispose_without_finish_leaves_a_detectably_incomplete_archive()
    {
        var output = new MemoryStream();
        using (var writer = new PaxTarWriter(output, leaveOpen: true))
        {
            writer.BeginEntry(new TarHeader { Name = "f"u8.ToArray() });
            writer.EndEntry();
        }
        using var reader = new PaxTarReader(new MemoryStream(output.ToArray()));
        Assert.NotNull(reader.Next());
        Assert.Throws<TarFormatException>(() => reader.Next());
    }

    internal static void AssertSameHeader(TarHeader expected, TarHeader actual)
    {
        Assert.Equal(expected.Name, actual.Name);
        Assert.Equal(expected.Type, actual.Type);
        Assert.Equal(expected.Mode, actual.Mode);
        Assert.Equal(expected.Uid, actual.Uid);
        Assert.Equal(expected.Gid, actual.Gid);
        Assert.Equal(expected.UserName, actual.UserName);
        Assert.Equal(expected.GroupName, actual.GroupName);
        Assert.Equal(expected.Size, actual.Size);
        Assert.Equal(expected.ModifiedTime, actual.ModifiedTime);
        Assert.Equal(expected.AccessTime, actual.AccessTime);
        Assert.Equal(expected.ChangeTime, actual.ChangeTime);
        Assert.Equal(expected.LinkName, actual.LinkName);
        Assert.Equal(expected.DevMajor, actual.DevMajor);
        Assert.Equal(expected.DevMinor, actual.DevMinor);
        Assert.Equal(expected.ExtendedAttributes.Select(x => (x.Key, Convert.ToHexString(x.Value))), actual.ExtendedAttributes.Select(x => (x.Key, Convert.ToHexString(x.Value))));
        Assert.Equal(expected.ExtraRecords, actual.ExtraRecords);
        Assert.Equal(expected.Sparse?.Where(s => s.Length > 0), actual.Sparse);
    }

    private static void WriteMeta(Stream output, byte typeFlag, ReadOnlySpan<byte> name, ReadOnlySpan<byte> data)
    {
        var block = new byte[512];
        name.CopyTo(block);
        UstarBlock.WriteOctal(block.AsSpan(UstarBlock.ModeOffset, 8), 0b110_100_100);
        UstarBlock.WriteOctal(block.AsSpan(UstarBlock.UidOffset, 8), 0);
        UstarBlock.WriteOctal(block.AsSpan(UstarBlock.GidOffset, 8), 0);
        UstarBlock.WriteOctal(block.AsSpan(UstarBlock.SizeOffset, 12), data.Length);
        UstarBlock.WriteOctal(block.AsSpan(UstarBlock.MtimeOffset, 12), 0);
        block[UstarBlock.TypeFlagOffset] = typeFlag;
        "ustar  \0"u8.CopyTo(block.AsSpan(UstarBlock.MagicOffset));
        UstarBlock.WriteChecksum(block);
        output.Write(block);
        output.Write(data);
        output.Write(new byte[(512 - (data.Length % 512)) % 512]);
    }
}
