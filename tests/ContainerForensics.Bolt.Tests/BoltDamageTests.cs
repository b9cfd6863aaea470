using System.Text;
using ContainerForensics.Bolt.Tests.Fixtures;

namespace ContainerForensics.Bolt.Tests;

/// <summary>
/// One thing damaged at a time, as a torn copy or an attacker would: each becomes a problem naming the page, and
/// everything else of the tree is still read.
/// </summary>
public sealed class BoltDamageTests
{
    private const int Keys = 200;

    /// <summary>"/many": 200 keys, four to a page, so five levels of pages; "/other" beside it, with an inline bucket.</summary>
    private static BuiltFile Sample(int maxElementsPerPage = 4)
    {
        var builder = new BoltFileBuilder { MaxElementsPerPage = maxElementsPerPage };
        var many = builder.Root.Bucket("many");
        for (int i = 0; i < Keys; i++)
        {
            many.Put($"key{i:D4}", $"value{i}");
        }
        var other = builder.Root.Bucket("other");
        other.Inline = false;
        other.Put("k", "v").Bucket("labels").Put("a", "b");
        return builder.Build();
    }

    private static BuiltPage BranchOverLeaves(BuiltFile file) =>
        file.Pages.First(p => p.Bucket == "/many" && p.Kind == "branch" && file.Page(p.Children[0]).Kind == "leaf");

    private static List<string> ManyKeys(BoltDatabase db) =>
        [.. db.Root.Bucket("many")!.Entries().Select(e => Encoding.UTF8.GetString(e.Key))];

    private static void OtherStillReads(BoltDatabase db)
    {
        var other = db.Root.Bucket("other")!;
        Assert.Equal("v", other.GetString("k"));
        Assert.Equal("b", other.Bucket("labels")!.GetString("a"));
    }

    [Fact]
    public void A_child_page_id_past_the_high_water_mark_loses_only_that_subtree()
    {
        var file = Sample();
        var branch = BranchOverLeaves(file);
        file.SetU64(file.ElementOffset(branch.Id, 1) + 8, 1_000_000);
        using var db = file.Open();

        Assert.Equal(Keys - 4, ManyKeys(db).Count);
        var p = Assert.Single(db.Problems);
        Assert.Equal(1_000_000UL, p.PageId);
        Assert.Equal("/many", p.Where);
        Assert.Contains("at or past the high-water mark", p.Reason, StringComparison.Ordinal);
        OtherStillReads(db);
    }

    [Fact]
    public void A_child_page_id_past_the_end_of_the_file_loses_only_that_subtree()
    {
        var file = Sample();
        for (int i = 0; i < 2; i++)
        {
            file.SetU64(file.PageOffset((ulong)i) + 16 + 40, 1_000_000); // the high-water mark, far past the file
            BoltFileBuilder.Seal(file.MetaPage(i));
        }
        var branch = BranchOverLeaves(file);
        file.SetU64(file.ElementOffset(branch.Id, 2) + 8, 500_000);
        using var db = file.Open();

        Assert.Equal(Keys - 4, ManyKeys(db).Count);
        var p = Assert.Single(db.Problems);
        Assert.Equal(500_000UL, p.PageId);
        Assert.Contains($"page 500000 lies past the end of the file ({file.Bytes.Length} bytes)", p.Reason, StringComparison.Ordinal);
        OtherStillReads(db);
    }

    [Fact]
    public void A_file_cut_inside_a_page_reads_what_is_left_of_it()
    {
        var builder = new BoltFileBuilder();
        var b = builder.Root.Bucket("b");
        b.Inline = false;
        b.Put("a", "1").Put("b", "2");
        var file = builder.Build();
        ulong leaf = file.BucketRoots["/b"];
        Assert.True(leaf < file.RootPageId);
        // Cut in the middle of that leaf's data, after key "a" and its value; a new meta 0 makes the leaf the root.
        int at = (int)file.PageOffset(leaf) + 16 + 32 + 2;
        var tail = file.Bytes[..at];
        BoltFileBuilder.WriteMeta(tail.AsSpan(0, 4096), 0, 4096, leaf, 0, 2, leaf + 1, 100);
        using var torn = BoltDatabase.Open(new MemorySource(tail), "torn");
        Assert.Equal(leaf, torn.Root.RootPageId);
        Assert.Equal(["a"], torn.Root.Entries().Select(e => Encoding.ASCII.GetString(e.Key)));
        Assert.Contains(torn.Problems, p => p.PageId == leaf && p.Reason.Contains("the file ends", StringComparison.Ordinal));
        Assert.Contains(torn.Problems, p => p.PageId == leaf && p.Reason.Contains("leaf element 1: key of 1 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void A_cycle_of_branch_pages_ends_the_walk_and_the_search()
    {
        var file = Sample();
        ulong root = file.BucketRoots["/many"];
        var deep = BranchOverLeaves(file);
        file.SetU64(file.ElementOffset(deep.Id, 0) + 8, root); // a leaf's parent now points back to the root
        using var db = file.Open();

        var keys = ManyKeys(db);
        Assert.Equal(Keys - 4, keys.Count);
        Assert.Contains(db.Problems, p => p.PageId == root && p.Reason.Contains("reached twice", StringComparison.Ordinal));
        // The search goes down the same path to the cycle: it stops there.
        Assert.Null(db.Root.Bucket("many")!.Get("key0000"));
        Assert.Contains(db.Problems, p => p.Reason.Contains("is its own ancestor", StringComparison.Ordinal));
        Assert.Equal("value100", db.Root.Bucket("many")!.GetString("key0100"));
    }

    [Fact]
    public void A_branch_page_that_is_its_own_child_is_read_once()
    {
        var file = Sample();
        ulong root = file.BucketRoots["/many"];
        file.SetU64(file.ElementOffset(root, 0) + 8, root);
        using var db = file.Open();
        Assert.NotEmpty(ManyKeys(db));
        Assert.Contains(db.Problems, p => p.PageId == root && p.Reason.Contains("reached twice", StringComparison.Ordinal));
    }

    [Fact]
    public void An_element_offset_past_the_page_loses_only_that_element()
    {
        var file = Sample();
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        file.SetU32(file.ElementOffset(leaf.Id, 2) + 4, 0xFFFF_FF00); // leaf pos
        using var db = file.Open();

        var keys = ManyKeys(db);
        Assert.Equal(Keys - 1, keys.Count);
        Assert.DoesNotContain("key0002", keys);
        var p = Assert.Single(db.Problems);
        Assert.Equal(leaf.Id, p.PageId);
        Assert.Contains("leaf element 2: key of 7 bytes at offset", p.Reason, StringComparison.Ordinal);
        Assert.Contains("runs past the page's 4096 bytes", p.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_element_offset_past_the_page_loses_that_subtree()
    {
        var file = Sample();
        var branch = BranchOverLeaves(file);
        file.SetU32(file.ElementOffset(branch.Id, 3), 0x7FFF_FFFF); // branch pos
        using var db = file.Open();
        Assert.Equal(Keys - 4, ManyKeys(db).Count);
        Assert.Contains(db.Problems, p => p.PageId == branch.Id && p.Reason.Contains("branch element 3", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0xFFFF_FFFFU, "over bbolt's maximum of 32768")]
    [InlineData(30_000U, "runs past the page's 4096 bytes")]
    public void A_huge_key_size_is_refused_without_reading_it(uint ksize, string reason)
    {
        var file = Sample();
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        file.SetU32(file.ElementOffset(leaf.Id, 0) + 8, ksize);
        using var db = file.Open();
        Assert.Equal(Keys - 1, ManyKeys(db).Count);
        Assert.Contains(db.Problems, p => p.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_huge_value_size_is_refused_without_allocating_it()
    {
        var file = Sample();
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        file.SetU32(file.ElementOffset(leaf.Id, 1) + 12, 0x7FFF_FFFF);
        using var db = file.Open();
        long before = GC.GetAllocatedBytesForCurrentThread();
        var keys = ManyKeys(db);
        Assert.InRange(GC.GetAllocatedBytesForCurrentThread() - before, 0, 4 << 20);

        Assert.DoesNotContain("key0001", keys);
        Assert.Equal(Keys - 1, keys.Count);
        var p = Assert.Single(db.Problems);
        Assert.Equal("/many key key0001", p.Where);
        Assert.Contains("value of 2147483647 bytes, over the limit", p.Reason, StringComparison.Ordinal);
        Assert.Null(db.Root.Bucket("many")!.Get("key0001"));
    }

    [Fact]
    public void A_value_over_the_limit_is_skipped_and_named()
    {
        var builder = new BoltFileBuilder();
        builder.Root.Bucket("b").Put("a", "1").Put(Encoding.ASCII.GetBytes("big"), new byte[20_000]).Put("c", "3");
        using var db = builder.Build().Open(new BoltLimits { MaxValueBytes = 10_000 });

        var b = db.Root.Bucket("b")!;
        Assert.Equal(["a", "c"], b.Entries().Select(e => Encoding.ASCII.GetString(e.Key)));
        Assert.Null(b.Get("big"));
        Assert.Contains(db.Problems, p => p.Where == "/b key big" && p.Reason.Contains("value of 20000 bytes, over the limit of 10000", StringComparison.Ordinal));
    }

    [Fact]
    public void A_page_declaring_a_huge_overflow_is_read_only_up_to_the_file_and_the_limit()
    {
        var builder = new BoltFileBuilder { PageSize = 1024 };
        builder.Root.Bucket("b").Put("a", "1").Put(Encoding.ASCII.GetBytes("big"), new byte[5000]).Put("c", "3");
        var file = builder.Build();
        var leaf = file.Pages.Single(p => p.Bucket == "/b" && p.Overflow > 0);
        file.SetU32(file.PageOffset(leaf.Id) + 12, 0xFFFF_FFFF);
        using var db = file.Open();

        var b = db.Root.Bucket("b")!;
        Assert.Equal(3, b.Entries().Count());
        Assert.Contains(db.Problems, p => p.Reason.Contains("runs past the high-water mark", StringComparison.Ordinal));
        Assert.Contains(db.Problems, p => p.Reason.Contains("declares 4398046511104 bytes", StringComparison.Ordinal) && p.Reason.Contains("the file ends", StringComparison.Ordinal));
    }

    [Fact]
    public void A_page_longer_than_the_page_limit_reads_what_lies_within_it()
    {
        var builder = new BoltFileBuilder { PageSize = 1024 };
        builder.Root.Bucket("b").Put("a", "1").Put(Encoding.ASCII.GetBytes("big"), new byte[50_000]).Put("c", "3");
        using var db = builder.Build().Open(new BoltLimits { MaxPageBytes = 4096 });

        var b = db.Root.Bucket("b")!;
        Assert.Equal(["a"], b.Entries().Select(e => Encoding.ASCII.GetString(e.Key)));
        Assert.Contains(db.Problems, p => p.Reason.Contains("bytes, 4096 were read (the limit is 4096)", StringComparison.Ordinal));
        Assert.Contains(db.Problems, p => p.Reason.Contains("runs past the 4096 bytes read of the page's", StringComparison.Ordinal));
    }

    [Fact]
    public void An_element_count_larger_than_the_page_reads_the_elements_that_fit()
    {
        var file = Sample();
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        file.SetU16(file.PageOffset(leaf.Id) + 10, 0xFFFF);
        using var db = file.Open();
        ManyKeys(db);
        Assert.Contains(db.Problems, p => p.PageId == leaf.Id && p.Reason.Contains("declares 65535 elements, only 255 lie within", StringComparison.Ordinal));
        Assert.Contains("key0199", ManyKeys(db));
    }

    [Theory]
    [InlineData(2UL, "is a freelist page")]
    [InlineData(0UL, "is a meta page")]
    [InlineData(1UL, "is a meta page")]
    public void A_child_that_is_not_a_tree_page_is_refused(ulong target, string reason)
    {
        var file = Sample();
        var branch = BranchOverLeaves(file);
        file.SetU64(file.ElementOffset(branch.Id, 0) + 8, target);
        using var db = file.Open();
        Assert.Equal(Keys - 4, ManyKeys(db).Count);
        Assert.Contains(db.Problems, p => p.PageId == target && p.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Fact]
    public void A_torn_page_whose_header_names_another_page_is_refused()
    {
        var file = Sample();
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        file.SetU64(file.PageOffset(leaf.Id), leaf.Id + 1);
        using var db = file.Open();
        Assert.Equal(Keys - 4, ManyKeys(db).Count);
        Assert.Contains(db.Problems, p => p.PageId == leaf.Id && p.Reason.Contains($"has the header of page {leaf.Id + 1}", StringComparison.Ordinal));
    }

    [Fact]
    public void A_page_of_one_bucket_reached_from_another_bucket_is_read_for_the_first_only()
    {
        var file = Sample();
        // "/other"'s root now points at a leaf of "/many".
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        var rootLeaf = file.Page(file.RootPageId);
        Assert.Equal("leaf", rootLeaf.Kind);
        long otherValue = RootElementValue(file, "other");
        file.SetU64(otherValue, leaf.Id);
        using var db = file.Open();

        Assert.Equal(Keys, ManyKeys(db).Count);
        Assert.Empty(db.Root.Bucket("other")!.Entries());
        Assert.Contains(db.Problems, p => p.PageId == leaf.Id && p.Where == "/other" && p.Reason.Contains("belongs to the tree rooted at", StringComparison.Ordinal));
    }

    [Fact]
    public void One_root_claimed_by_two_buckets_is_read_for_the_first_only()
    {
        var file = Sample();
        file.SetU64(RootElementValue(file, "other"), file.BucketRoots["/many"]);
        using var db = file.Open();

        var buckets = db.Root.Entries().ToList();
        Assert.Equal(Keys, ManyKeys(db).Count);
        Assert.Equal(["many"], buckets.Select(e => Encoding.ASCII.GetString(e.Key)));
        Assert.Contains(db.Problems, p => p.Where == "/other" && p.Reason.Contains("already the root of another bucket (/many)", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bucket_whose_root_is_its_parents_root_is_a_cycle()
    {
        var file = Sample();
        file.SetU64(RootElementValue(file, "other"), file.RootPageId);
        using var db = file.Open();
        Assert.Null(db.Root.Bucket("other"));
        Assert.Contains(db.Problems, p => p.Where == "/other" && p.Reason.Contains("a cycle of buckets", StringComparison.Ordinal));
    }

    [Fact]
    public void Buckets_nested_past_the_depth_limit_are_not_read()
    {
        var builder = new BoltFileBuilder();
        var b = builder.Root;
        for (int i = 0; i < 20; i++)
        {
            b = b.Bucket($"d{i}");
        }
        b.Put("k", "v");
        using var db = builder.Build().Open(new BoltLimits { MaxDepth = 8 });

        int depth = 0;
        for (var bucket = db.Root; bucket.Entries().FirstOrDefault()?.Bucket is { } next; bucket = next)
        {
            depth++;
        }
        Assert.Equal(8, depth);
        Assert.Contains(db.Problems, p => p.Reason.Contains("buckets nest deeper than 8", StringComparison.Ordinal));
    }

    [Fact]
    public void A_tree_deeper_than_the_limit_is_cut_there()
    {
        var file = Sample(maxElementsPerPage: 2); // 100 leaves under 7 levels of branches
        using var db = file.Open(new BoltLimits { MaxDepth = 4 });
        Assert.Empty(ManyKeys(db));
        Assert.Null(db.Root.Bucket("many")!.Get("key0000"));
        Assert.Contains(db.Problems, p => p.Reason.Contains("the tree is deeper than 4 pages", StringComparison.Ordinal));
    }

    [Fact]
    public void A_bucket_value_shorter_than_its_header_is_a_problem()
    {
        var file = Sample();
        long element = RootElement(file, "other");
        file.SetU32(element + 12, 8); // vsize
        using var db = file.Open();
        Assert.Null(db.Root.Bucket("other"));
        Assert.Contains(db.Problems, p => p.Where == "/other" && p.Reason.Contains("shorter than its 16-byte header", StringComparison.Ordinal));
    }

    [Fact]
    public void An_inline_page_that_is_not_a_leaf_is_a_problem()
    {
        var file = Sample();
        // "/other/labels" is inline: its value in /other's leaf is header + page; make that page a branch.
        ulong otherRoot = file.BucketRoots["/other"];
        long element = file.ElementOffset(otherRoot, 1); // "k" < "labels"
        uint pos = BitConverter.ToUInt32(file.Bytes, (int)element + 4);
        uint ksize = BitConverter.ToUInt32(file.Bytes, (int)element + 8);
        long value = element + pos + ksize;
        Assert.Equal(0UL, file.U64(value));
        file.SetU16(value + 16 + 8, 0x01);
        using var db = file.Open();

        var labels = db.Root.Bucket("other")!.Bucket("labels")!;
        Assert.Empty(labels.Entries());
        Assert.Null(labels.Get("a"));
        Assert.Contains(db.Problems, p => p.Where == "/other/labels" && p.Reason.Contains("inline bucket's page is a branch page", StringComparison.Ordinal));
    }

    [Fact]
    public void A_read_error_is_a_problem_for_that_page()
    {
        var file = Sample();
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        long bad = file.PageOffset(leaf.Id);
        using var db = BoltDatabase.Open(new MemorySource(file.Bytes, (offset, length) => offset <= bad && bad < offset + length), "eio.db");
        Assert.Equal(Keys - 4, ManyKeys(db).Count);
        Assert.Contains(db.Problems, p => p.PageId == leaf.Id && p.Reason.Contains("Input/output error", StringComparison.Ordinal));
    }

    [Fact]
    public void The_page_read_budget_stops_everything_past_it()
    {
        using var db = Sample().Open(new BoltLimits { MaxPageReads = 5 });
        Assert.True(ManyKeys(db).Count < 20);
        Assert.Contains(db.Problems, p => p.Reason.Contains("the budget of 5 page reads is spent", StringComparison.Ordinal));
        Assert.Null(db.Root.Bucket("other"));
    }

    [Fact]
    public void Keys_out_of_order_are_given_and_flagged()
    {
        var file = Sample();
        var leaf = file.Pages.First(p => p.Bucket == "/many" && p.Kind == "leaf");
        // Element 3 points at element 0's key: a duplicate, out of order.
        long e0 = file.ElementOffset(leaf.Id, 0);
        long e3 = file.ElementOffset(leaf.Id, 3);
        file.SetU32(e3 + 4, (uint)(e0 + BitConverter.ToUInt32(file.Bytes, (int)e0 + 4) - e3));
        using var db = file.Open();
        Assert.Equal(Keys, ManyKeys(db).Count);
        Assert.Contains(db.Problems, p => p.Reason.Contains("comes after key0002: the keys are out of order", StringComparison.Ordinal));
    }

    [Fact]
    public void Problems_are_kept_once_each_and_capped()
    {
        var file = Sample();
        foreach (var leaf in file.Pages.Where(p => p.Bucket == "/many" && p.Kind == "leaf"))
        {
            file.SetU64(file.PageOffset(leaf.Id), 99);
        }
        using var db = file.Open(new BoltLimits { MaxProblems = 3 });
        Assert.Empty(ManyKeys(db));
        Assert.Empty(ManyKeys(db));
        Assert.Equal(4, db.Problems.Count);
        Assert.Contains("more than 3 problems", db.Problems[^1].Reason, StringComparison.Ordinal);

        using var again = file.Open();
        ManyKeys(again);
        ManyKeys(again);
        Assert.Equal(Keys / 4, again.Problems.Count);
    }

    [Fact]
    public void A_tiny_cache_reads_the_same_with_more_reads()
    {
        var file = Sample();
        var small = new MemorySource(file.Bytes);
        var large = new MemorySource(file.Bytes);
        using var a = BoltDatabase.Open(small, "a", new BoltLimits { CachedPages = 1 });
        using var b = BoltDatabase.Open(large, "b");
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(Dump.Of(b.Root), Dump.Of(a.Root));
        }
        Assert.True(small.Reads > large.Reads);
        Assert.Empty(a.Problems);
    }

    [Fact]
    public void A_disposed_database_is_not_read_again()
    {
        var db = Sample().Open();
        var many = db.Root.Bucket("many")!;
        db.Dispose();
        Assert.Throws<ObjectDisposedException>(() => many.Get("key0001"));
    }

    /// <summary>The offset of the root leaf's element for the bucket <paramref name="name"/>.</summary>
    private static long RootElement(BuiltFile file, string name)
    {
        var root = file.Page(file.RootPageId);
        for (int i = 0; i < root.Count; i++)
        {
            long e = file.ElementOffset(root.Id, i);
            uint pos = BitConverter.ToUInt32(file.Bytes, (int)e + 4);
            uint ksize = BitConverter.ToUInt32(file.Bytes, (int)e + 8);
            if (Encoding.ASCII.GetString(file.Bytes, (int)(e + pos), (int)ksize) == name)
            {
                return e;
            }
        }
        throw new InvalidOperationException(name);
    }

    /// <summary>The offset of bucket <paramref name="name"/>'s value (its 16-byte header) in the root leaf.</summary>
    private static long RootElementValue(BuiltFile file, string name)
    {
        long e = RootElement(file, name);
        return e + BitConverter.ToUInt32(file.Bytes, (int)e + 4) + BitConverter.ToUInt32(file.Bytes, (int)e + 8);
    }
}
