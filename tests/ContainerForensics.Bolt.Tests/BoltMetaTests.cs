using System.Buffers.Binary;
using System.Text;
using ContainerForensics.Bolt.Tests.Fixtures;

namespace ContainerForensics.Bolt.Tests;

/// <summary>Which meta page is used: bbolt's choice (the valid one with the higher txid), and what happens when one or both are damaged.</summary>
public sealed class BoltMetaTests
{
    private static BuiltFile Sample(uint pageSize = 4096, ulong txid = 7)
    {
        var builder = new BoltFileBuilder { PageSize = pageSize, TxId = txid };
        builder.Root.Bucket("b").Put("k", "v");
        return builder.Build();
    }

    [Fact]
    public void The_checksum_is_fnv1a_64_as_go_computes_it()
    {
        // Go: fnv.New64a() of "" and of "a".
        Assert.Equal(0xcbf29ce484222325UL, BoltMeta.Fnv1a64([]));
        Assert.Equal(0xaf63dc4c8601ec8cUL, BoltMeta.Fnv1a64("a"u8));
        Assert.Equal(BoltFileBuilder.Fnv1a64("foobar"u8), BoltMeta.Fnv1a64("foobar"u8));
    }

    [Theory]
    [InlineData(7UL, 1)]
    [InlineData(8UL, 0)]
    public void The_meta_with_the_higher_txid_is_used(ulong txid, int page)
    {
        using var db = Sample(txid: txid).Open();
        Assert.Equal(txid, db.TxId);
        Assert.Equal(page, db.MetaUsed);
        Assert.Empty(db.Problems);
    }

    [Fact]
    public void A_bad_checksum_on_the_newer_meta_falls_back_to_the_older_one()
    {
        var file = Sample(txid: 7);
        file.MetaPage(1)[16 + 56] ^= 0x01; // the checksum of meta 1, txid 7
        using var db = file.Open();

        Assert.Equal(0, db.MetaUsed);
        Assert.Equal(6UL, db.TxId);
        Assert.Equal("v", db.Root.Bucket("b")!.GetString("k"));
        var p = Assert.Single(db.Problems);
        Assert.Equal("meta", p.Where);
        Assert.Contains("meta page 1 is unusable: checksum", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_field_changed_without_resealing_fails_the_checksum()
    {
        var file = Sample(txid: 8);
        BinaryPrimitives.WriteUInt64LittleEndian(file.MetaPage(0)[(16 + 48)..], 9999); // txid, checksum not updated
        using var db = file.Open();
        Assert.Equal(1, db.MetaUsed);
        Assert.Equal(7UL, db.TxId);
    }

    [Fact]
    public void When_meta_0_is_unusable_meta_1_is_found_by_probing_page_sizes()
    {
        var file = Sample(pageSize: 16384, txid: 9);
        file.MetaPage(0)[16] ^= 0xff; // magic
        using var db = file.Open();

        Assert.Equal(1, db.MetaUsed);
        Assert.Equal(16384U, db.PageSize);
        Assert.Equal(9UL, db.TxId);
        Assert.Equal("v", db.Root.Bucket("b")!.GetString("k"));
        Assert.Contains(db.Problems, p => p.Reason.Contains("meta page 0 is unusable: magic", StringComparison.Ordinal));
    }

    [Fact]
    public void Neither_meta_usable_is_the_one_exception()
    {
        var file = Sample();
        file.MetaPage(0)[16 + 56] ^= 1;
        file.MetaPage(1)[16 + 4] = 3; // version 3
        var ex = Assert.Throws<BoltFormatException>(() => file.Open());
        Assert.Contains("built.db", ex.Message, StringComparison.Ordinal);
        Assert.Contains("checksum", ex.Message, StringComparison.Ordinal);
        Assert.Contains("version 3", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(50)]
    public void Files_too_short_for_a_meta_are_refused(int length)
    {
        var file = Sample();
        file.Truncate(length);
        Assert.Throws<BoltFormatException>(() => file.Open());
    }

    [Fact]
    public void A_file_cut_after_meta_0_opens_with_it_and_says_what_is_missing()
    {
        var file = Sample(txid: 8);
        file.Truncate(4096);
        using var db = file.Open();
        Assert.Equal(0, db.MetaUsed);
        Assert.Empty(db.Root.Entries());
        Assert.Contains(db.Problems, p => p.Reason.Contains("meta page 1 is unusable", StringComparison.Ordinal));
        Assert.Contains(db.Problems, p => p.PageId == file.RootPageId && p.Reason.Contains("past the end of the file (4096 bytes)", StringComparison.Ordinal));
    }

    [Fact]
    public void Something_that_is_not_bbolt_is_refused()
    {
        var noise = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("SQLite format 3\0", 1000)));
        Assert.Throws<BoltFormatException>(() => BoltDatabase.Open(new MemorySource(noise), "x"));
    }

    [Fact]
    public void A_valid_newer_meta_whose_root_page_is_torn_gives_way_to_the_older_meta()
    {
        // A crash-consistent copy can hold the newest meta but not yet the pages its commit wrote.
        var file = Sample(txid: 7);
        var meta1 = file.MetaPage(1);
        BinaryPrimitives.WriteUInt64LittleEndian(meta1[(16 + 16)..], 2); // root: the freelist page
        BoltFileBuilder.Seal(meta1);
        using var db = file.Open();

        Assert.Equal(0, db.MetaUsed);
        Assert.Equal("v", db.Root.Bucket("b")!.GetString("k"));
        var p = Assert.Single(db.Problems);
        Assert.Contains("meta page 1 (txid 7) is valid but its page 2 is a freelist page", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void When_both_roots_are_unreadable_the_newer_meta_is_used_and_the_root_is_a_problem()
    {
        var file = Sample(txid: 7);
        file.SetU64(file.PageOffset(file.RootPageId), 12345); // the root page's header id
        using var db = file.Open();

        Assert.Equal(1, db.MetaUsed);
        Assert.Empty(db.Root.Entries());
        Assert.Contains(db.Problems, p => p.PageId == file.RootPageId && p.Reason.Contains("header of page 12345", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(1UL)]       // a meta page
    [InlineData(999_999UL)] // above the high-water mark
    public void A_meta_whose_root_is_out_of_range_is_unusable(ulong root)
    {
        var file = Sample(txid: 7);
        var meta1 = file.MetaPage(1);
        BinaryPrimitives.WriteUInt64LittleEndian(meta1[(16 + 16)..], root);
        BoltFileBuilder.Seal(meta1);
        using var db = file.Open();
        Assert.Equal(0, db.MetaUsed);
        Assert.Contains(db.Problems, p => p.Reason.Contains($"root page {root} outside", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0U)]
    [InlineData(100U)]
    [InlineData(0x8000_0000U)]
    public void A_meta_with_an_unreadable_page_size_is_unusable(uint pageSize)
    {
        var file = Sample(txid: 8);
        var meta0 = file.MetaPage(0);
        BinaryPrimitives.WriteUInt32LittleEndian(meta0[(16 + 8)..], pageSize);
        BoltFileBuilder.Seal(meta0);
        using var db = file.Open();
        Assert.Equal(1, db.MetaUsed);
        Assert.Equal("v", db.Root.Bucket("b")!.GetString("k"));
    }
}
