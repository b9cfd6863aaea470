using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Tar;

/// <summary>
/// A cut-off or damaged archive must never read as a clean, shorter one: wherever it is cut, the
/// reader throws <see cref="TarFormatException"/>, from a seekable and from a non-seekable stream.
/// </summary>
public sealed class TruncatedArchiveTests
{
    private static readonly UnixTime MTime = new(1_700_000_000, 42);

    private static byte[] Archive() => TarTestArchive.Write(
        (new TarHeader { Name = "a.txt"u8.ToArray(), Size = 700, ModifiedTime = MTime }, new byte[700]),
        (new TarHeader { Name = Encoding.ASCII.GetBytes(new string('n', 180)), Size = 5, ModifiedTime = MTime }, [1, 2, 3, 4, 5]),
        (new TarHeader { Name = "s"u8.ToArray(), Size = 100_000, Sparse = [new DataSegment(1000, 600), new DataSegment(50_000, 10)], ModifiedTime = MTime }, new byte[610]),
        (new TarHeader { Name = "dir/"u8.ToArray(), Type = TarEntryType.Directory, ModifiedTime = MTime }, []));

    public static TheoryData<bool, bool> Modes => new() { { false, false }, { false, true }, { true, false }, { true, true } };

    [Theory]
    [MemberData(nameof(Modes))]
    public void Every_cut_point_throws(bool seekable, bool readContent)
    {
        var archive = Archive();
        Assert.Equal(4, TarTestArchive.ReadAll(archive).Count);
        var buffer = new byte[333];
        for (int cut = 0; cut < archive.Length; cut++)
        {
            var bytes = archive[..cut];
            Stream input = seekable ? new MemoryStream(bytes) : new NonSeekableStream(bytes, maxRead: 1000);
            using var reader = new PaxTarReader(input);
            var ex = Assert.Throws<TarFormatException>(() =>
            {
                while (reader.Next() is not null)
                {
                    while (readContent && reader.ReadLogical(buffer) > 0)
                    {
                    }
                }
            });
            Assert.Contains("offset", ex.Message, StringComparison.Ordinal);
            Assert.InRange(ex.Offset, 0, cut);
        }
    }

    [Fact]
    public void Reader_stays_failed_after_an_error()
    {
        var archive = Archive();
        using var reader = new PaxTarReader(new MemoryStream(archive[..1600]));
        Assert.Throws<TarFormatException>(() => { while (reader.Next() is not null) { } });
        Assert.Throws<TarFormatException>(() => reader.Next());
        Assert.Throws<TarFormatException>(() => reader.ReadLogical(new byte[10]));
    }

    [Fact]
    public void A_damaged_header_fails_its_checksum()
    {
        var archive = Archive();
        archive[1024 + 10] ^= 0x01;  // inside the ustar block of the first entry (after its 'x' header)
        var ex = Assert.Throws<TarFormatException>(() => TarTestArchive.ReadAll(archive));
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
        Assert.Equal(1024, ex.Offset);
    }

    [Fact]
    public void A_damaged_pax_record_is_reported()
    {
        var archive = Archive();
        Assert.Equal((byte)'3', archive[512]);  // "30 mtime=1700000000.000000042\n"
        archive[512] = (byte)'4';
        var ex = Assert.Throws<TarFormatException>(() => TarTestArchive.ReadAll(archive));
        Assert.Contains("pax record", ex.Message, StringComparison.Ordinal);
        Assert.Equal(512, ex.Offset);
    }

    [Fact]
    public void A_single_zero_block_is_not_an_end()
    {
        var archive = Archive();
        var ex = Assert.Throws<TarFormatException>(() => TarTestArchive.ReadAll(archive[..^512]));
        Assert.Contains("one zero block", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Garbage_is_not_an_archive()
    {
        var garbage = new byte[4096];
        new Random(5).NextBytes(garbage);
        Assert.Throws<TarFormatException>(() => TarTestArchive.ReadAll(garbage));
    }
}
