using System.Text;
using ContainerForensics.Bolt.Tests.Fixtures;
using FsCheck;
using FsCheck.Fluent;

namespace ContainerForensics.Bolt.Tests;

/// <summary>Well-formed files from the test writer read back exactly, whatever their shape.</summary>
public sealed class BoltReadTests
{
    private static byte[] B(string s) => Encoding.UTF8.GetBytes(s);

    [Fact]
    public void A_flat_bucket_gives_its_keys_in_order_and_by_name()
    {
        var builder = new BoltFileBuilder();
        var b = builder.Root.Bucket("flat");
        b.Inline = false;
        b.Put("b", "2").Put("a", "1").Put("c", "").Put(new byte[] { 0xff, 0 }, [1, 2, 3]);
        using var db = builder.Build().Open();

        var flat = db.Root.Bucket("flat")!;
        Assert.Equal(["a", "b", "c", "\uFFFD\0"], flat.Entries().Select(e => Encoding.UTF8.GetString(e.Key)));
        Assert.Equal(B("2"), flat.Get("b"));
        Assert.Equal([], flat.Get("c")!);
        Assert.Equal([1, 2, 3], flat.Get(new byte[] { 0xff, 0 })!);
        Assert.Null(flat.Get("zz"));
        Assert.Null(flat.Bucket("a"));             // a plain key is no bucket
        Assert.Null(db.Root.Get("flat"));          // and a bucket no plain key
        Assert.Equal([B("flat")], flat.Path);
        Assert.Equal("/flat", flat.PathText);
        Assert.False(flat.IsInline);
        Assert.Empty(db.Problems);
        Assert.Equal(7UL, db.TxId);
        Assert.Equal(1, db.MetaUsed);
        Assert.Equal(4096U, db.PageSize);
    }

    [Fact]
    public void Small_buckets_are_inline_and_read_from_inside_their_parents_value()
    {
        var builder = new BoltFileBuilder();
        var labels = builder.Root.Bucket("c").Bucket("labels");
        labels.Put("k1", "v1").Put("k2", "v2");
        labels.Sequence = 42;
        builder.Root.Bucket("c").Bucket("empty");
        var file = builder.Build();
        Assert.Equal(0UL, file.BucketRoots["/c/labels"]);
        using var db = file.Open();

        var c = db.Root.Bucket("c")!;
        var l = c.Bucket("labels")!;
        Assert.True(l.IsInline);
        Assert.Equal(0UL, l.RootPageId);
        Assert.Equal(42UL, l.Sequence);
        Assert.Equal("v2", l.GetString("k2"));
        Assert.Equal(["k1", "k2"], l.Entries().Select(e => Encoding.UTF8.GetString(e.Key)));
        Assert.Empty(c.Bucket("empty")!.Entries());
        Assert.Equal(["/c/empty", "/c/labels"], c.Buckets().Select(x => x.PathText));
        Assert.Empty(db.Problems);
    }

    [Fact]
    public void An_inline_bucket_inside_an_inline_bucket_reads_too()
    {
        var builder = new BoltFileBuilder();
        var outer = builder.Root.Bucket("outer");
        outer.Inline = true;
        var inner = outer.Bucket("inner");
        inner.Put("k", "v");
        using var db = builder.Build().Open();

        var i = db.Root.Bucket("outer")!.Bucket("inner")!;
        Assert.True(i.IsInline);
        Assert.Equal("v", i.GetString("k"));
        Assert.Empty(db.Problems);
    }

    [Fact]
    public void Buckets_nest_with_their_paths()
    {
        var builder = new BoltFileBuilder();
        var deepest = builder.Root.Bucket("v1").Bucket("default").Bucket("containers").Bucket("cfir-test-1");
        deepest.Bucket("labels").Put("a", "b");
        deepest.Put("image", "busybox");
        using var db = builder.Build().Open();

        var c = db.Root.Bucket("v1")!.Bucket("default")!.Bucket("containers")!.Bucket("cfir-test-1")!;
        Assert.Equal("/v1/default/containers/cfir-test-1", c.PathText);
        Assert.Equal(["v1", "default", "containers", "cfir-test-1"], c.Path.Select(p => Encoding.UTF8.GetString(p)));
        Assert.Equal("busybox", c.GetString("image"));
        Assert.Equal("b", c.Bucket("labels")!.GetString("a"));
    }

    [Fact]
    public void Values_larger_than_a_page_are_read_across_the_overflow_pages()
    {
        var builder = new BoltFileBuilder { PageSize = 1024 };
        var big = new byte[20_000];
        new Random(1).NextBytes(big);
        builder.Root.Bucket("b").Put("small", "x").Put(B("spec"), big).Put("zz", "after");
        var file = builder.Build();
        Assert.Contains(file.Pages, p => p.Overflow >= 19);
        using var db = file.Open();

        var b = db.Root.Bucket("b")!;
        Assert.Equal(big, b.Get("spec"));
        Assert.Equal("after", b.GetString("zz"));
        Assert.Equal(3, b.Entries().Count());
        Assert.Empty(db.Problems);
    }

    [Fact]
    public void Multi_level_branch_pages_are_searched_and_walked_in_key_order()
    {
        var builder = new BoltFileBuilder { MaxElementsPerPage = 4 };
        var b = builder.Root.Bucket("many");
        for (int i = 0; i < 500; i++)
        {
            b.Put($"key{i:D4}", $"value{i}");
        }
        var file = builder.Build();
        // 125 leaves under 32, 8, 2 and 1 branch pages: four branch levels.
        Assert.Contains(file.Pages, p => p.Kind == "branch" && p.Children.All(c => file.Page(c).Kind == "branch")
            && p.Children.Any(c => file.Page(c).Children.Any(g => file.Page(g).Kind == "branch")));
        using var db = file.Open();

        var many = db.Root.Bucket("many")!;
        Assert.Equal(Enumerable.Range(0, 500).Select(i => $"key{i:D4}"), many.Entries().Select(e => Encoding.UTF8.GetString(e.Key)));
        for (int i = 0; i < 500; i += 7)
        {
            Assert.Equal($"value{i}", many.GetString($"key{i:D4}"));
        }
        Assert.Null(many.Get("key"));     // before every key: the first leaf, not found
        Assert.Null(many.Get("key9999")); // after every key
        Assert.Null(many.Get("key0001x"));
        Assert.Empty(db.Problems);
    }

    [Fact]
    public void A_file_opened_read_only_by_the_caller_is_read_through_its_handle_and_left_open()
    {
        var builder = new BoltFileBuilder();
        builder.Root.Bucket("x").Put("k", "v");
        string path = Path.Combine(Path.GetTempPath(), $"cfir-bolt-{Guid.NewGuid():N}.db");
        File.WriteAllBytes(path, builder.Build().Bytes);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read);
            using (var db = BoltDatabase.Open(handle, "x.db"))
            {
                Assert.Equal("v", db.Root.Bucket("x")!.GetString("k"));
                Assert.Equal(new FileInfo(path).Length, db.FileLength);
            }
            Assert.False(handle.IsClosed);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_pipe_is_no_database()
    {
        using var server = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        using var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle(server.SafePipeHandle.DangerousGetHandle(), ownsHandle: false);
        var ex = Assert.Throws<BoltFormatException>(() => BoltDatabase.Open(handle, "pipe"));
        Assert.Contains("pipe: not a file whose length and pages can be read", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_handle_without_read_access_is_no_database()
    {
        var builder = new BoltFileBuilder();
        builder.Root.Bucket("x").Put("k", "v");
        string path = Path.Combine(Path.GetTempPath(), $"cfir-bolt-{Guid.NewGuid():N}.db");
        File.WriteAllBytes(path, builder.Build().Bytes);
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Write);
            var ex = Assert.Throws<BoltFormatException>(() => BoltDatabase.Open(handle, "w.db"));
            Assert.Contains("reading it failed", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Any_tree_the_writer_makes_reads_back_exactly()
    {
        // The seed drives a random shape: nesting, key and value sizes (to overflow pages), page fan-out, page size.
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            var rng = new Random(seed);
            var builder = new BoltFileBuilder
            {
                PageSize = rng.Next(2) == 0 ? 1024U : 4096U,
                MaxElementsPerPage = rng.Next(3) == 0 ? rng.Next(2, 6) : int.MaxValue,
                TxId = (ulong)rng.Next(2, 1000),
            };
            Fill(builder.Root, rng, depth: 0);
            using var db = builder.Build().Open();
            var expected = builder.Root.Flatten().ToList();
            var actual = Dump.Of(db.Root);
            if (!expected.SequenceEqual(actual) || db.Problems.Count > 0)
            {
                throw new InvalidOperationException($"seed {seed}: {expected.Count} keys written, {actual.Count} read, problems: {string.Join("; ", db.Problems)}");
            }
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(100));
    }

    private static void Fill(BucketSpec bucket, Random rng, int depth)
    {
        int n = rng.Next(0, depth == 0 ? 10 : 24);
        for (int i = 0; i < n; i++)
        {
            var key = new byte[rng.Next(1, rng.Next(2) == 0 ? 8 : 200)];
            rng.NextBytes(key);
            if (depth < 3 && rng.Next(5) == 0)
            {
                var child = bucket.Bucket(key);
                child.Sequence = (ulong)rng.NextInt64();
                Fill(child, rng, depth + 1);
            }
            else
            {
                var value = new byte[rng.Next(6) == 0 ? rng.Next(0, 9000) : rng.Next(0, 60)];
                rng.NextBytes(value);
                bucket.Items[key] = value;
            }
        }
    }
}
