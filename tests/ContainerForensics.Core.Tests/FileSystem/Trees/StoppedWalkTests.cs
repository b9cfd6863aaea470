using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;

namespace ContainerForensics.Core.Tests.FileSystem.Trees;

/// <summary>
/// A walk root that goes away under <see cref="HostTreeCollector"/> (a container removed: its
/// overlay unmounted, its layer deleted): the walk stops, and every name of the tree is either an
/// entry or below a directory recorded as not walked; the directories written before are named
/// in error records. Real directories, changed from the sink while the walk is under way.
/// </summary>
[Collection(CaptureBudget.Collection)]
public sealed class StoppedWalkTests : IDisposable
{
    /// <summary>Walk order: a, a/1, a/2, b, b/c, b/c/x, b/c/y, b/d, b/d/p, b/d/q, b/e, f, g, g/h.</summary>
    private static readonly string[] Tree = ["a/1", "a/2", "b/c/x", "b/c/y", "b/d/p", "b/d/q", "b/e", "f", "g/h"];

    private readonly TempTree _tree = new();
    private readonly string _root;

    public StoppedWalkTests()
    {
        _root = _tree.PathOf("root");
        foreach (var file in Tree)
        {
            _tree.WriteFile("root/" + file, Encoding.UTF8.GetBytes(file));
        }
    }

    public void Dispose() => _tree.Dispose();

    /// <summary>
    /// The root swapped for another directory (what an unmounted overlay looks like from the host):
    /// nothing fails, every listing still works, yet the next directory listed is not trusted.
    /// </summary>
    [Fact]
    public async Task Root_replaced_mid_walk_stops_at_the_next_listing_and_accounts_for_the_rest()
    {
        var sink = new RecordingSink { AfterAdd = r => { if (r.Number == 5) { Unmount(); } return Task.CompletedTask; } };

        var result = await CollectAsync(sink);

        Assert.True(result.Broken);
        Assert.Equal(7, result.Items);
        Assert.Contains("the walk stopped at '/b/d', the last entry written was '/b/c/y'", result.Failure, StringComparison.Ordinal);
        var cut = sink.Single("/b/d");
        Assert.Equal(EntryStatus.Partial, cut.Item.Status);
        Assert.Equal(EntryKind.Directory, cut.Item.Metadata.Kind);
        Assert.StartsWith("the walk stopped here: ", cut.Item.Reason, StringComparison.Ordinal);
        Assert.All(["/b/d/p", "/b/d/q", "/b/e", "/f", "/g"], p => Assert.Equal(EntryStatus.Missing, sink.Single(p).Item.Status));
        Assert.Equal(EntryKind.Directory, sink.Single("/g").Item.Metadata.Kind);
        Assert.Contains("a directory: what it holds was never listed", sink.Single("/g").Item.Reason, StringComparison.Ordinal);
        // /b and / were written before the cut: an error record each says what of theirs was not walked.
        Assert.Equal(["/", "/b"], sink.Errors.Select(e => e.Path).Order(StringComparer.Ordinal));
        Assert.Contains("1 names it listed were not walked", sink.Errors.Single(e => e.Path == "/b").Message, StringComparison.Ordinal);
        AssertAccounted(sink);
    }

    /// <summary>The root deleted with everything in it (the layer removed): lstat fails on the next name, and the names left are still recorded.</summary>
    [Fact]
    public async Task Root_deleted_mid_walk_records_every_name_not_walked()
    {
        var sink = new RecordingSink { AfterAdd = r => { if (r.Number == 3) { Directory.Delete(_root, recursive: true); } return Task.CompletedTask; } };

        var result = await CollectAsync(sink);

        Assert.True(result.Broken);
        Assert.Equal(UnixError.ENOENT, result.Errno);
        Assert.Contains("the last entry written was '/a/2'", result.Failure, StringComparison.Ordinal);
        Assert.Equal(EntryStatus.Missing, sink.Single("/b").Item.Status);
        Assert.StartsWith("the walk stopped here: ", sink.Single("/b").Item.Reason, StringComparison.Ordinal);
        Assert.Contains("its kind is unknown", sink.Single("/b").Item.Reason, StringComparison.Ordinal);
        Assert.Contains("its kind is unknown", sink.Single("/f").Item.Reason, StringComparison.Ordinal);
        AssertAccounted(sink);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(CaptureLimits.DefaultCaptureAhead)]
    [InlineData(1)]
    public async Task Undisturbed_walk_is_whole_and_not_broken(int captureAhead)
    {
        var sink = new RecordingSink();
        var result = await CollectAsync(sink, captureAhead);
        Assert.False(result.Broken, result.Failure);
        Assert.Empty(sink.Errors);
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Item.Status));
        // Walk order, and every file's bytes, whichever thread opened it.
        Assert.Equal(["/a", "/a/1", "/a/2", "/b", "/b/c", "/b/c/x", "/b/c/y", "/b/d", "/b/d/p", "/b/d/q", "/b/e", "/f", "/g", "/g/h"],
            sink.Items.Select(i => Encoding.UTF8.GetString(i.Item.RawPath!)));
        Assert.All(Tree, f => Assert.Equal(f, sink.Single("/" + f).Text));
        AssertAccounted(sink);
    }

    /// <summary>
    /// Captured ahead of the writer, the root swapped from the sink (as an unmount does: at
    /// once) lands wherever the capture had got to: the run is broken all the same, and every
    /// name is still an entry or accounted for.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(CaptureLimits.DefaultCaptureAhead)]
    public async Task Root_replaced_while_captured_ahead_is_broken_and_accounted(int captureAhead)
    {
        var sink = new RecordingSink { AfterAdd = r => { if (r.Number == 3) { Unmount(); } return Task.CompletedTask; } };

        var result = await CollectAsync(sink, captureAhead);

        Assert.True(result.Broken);
        Assert.Equal(UnixError.ENOENT, result.Errno);
        Assert.Contains("vanished", result.Failure, StringComparison.Ordinal);
        AssertAccounted(sink);
        CaptureBudget.AssertWhole();
    }

    /// <summary>
    /// The root deleted file by file from the sink while the capture runs ahead: the deletion
    /// runs beside the walk, as a real removal does, so a directory may be listed after some of
    /// its names were deleted. The run is broken, and says that its listings may be short.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(CaptureLimits.DefaultCaptureAhead)]
    public async Task Root_deleted_while_captured_ahead_is_broken_and_says_listings_may_be_short(int captureAhead)
    {
        var sink = new RecordingSink { AfterAdd = r => { if (r.Number == 3) { Directory.Delete(_root, recursive: true); } return Task.CompletedTask; } };

        var result = await CollectAsync(sink, captureAhead);

        Assert.True(result.Broken);
        Assert.Equal(UnixError.ENOENT, result.Errno);
        Assert.Contains("may have listed fewer names than it held", result.Failure, StringComparison.Ordinal);
        Assert.All(sink.Items.Where(i => i.Status == EntryStatus.Collected && i.Item.Metadata.Kind == EntryKind.File),
            i => Assert.Equal(Encoding.UTF8.GetString(i.Item.RawPath!)[1..], i.Text));
        CaptureBudget.AssertWhole();
    }

    /// <summary>
    /// Walks side by side (one per container of a phase) share one budget of descriptors held
    /// ahead; each still gets every entry in order, and every permit comes back.
    /// </summary>
    [Fact]
    public async Task Walks_side_by_side_get_every_entry_and_give_back_every_permit()
    {
        var sinks = Enumerable.Range(0, 8).Select(_ => new RecordingSink { AfterAdd = async _ => await Task.Yield() }).ToList();

        var results = await Task.WhenAll(sinks.Select(s => CollectAsync(s, CaptureLimits.DefaultCaptureAhead)));

        Assert.All(results, r => Assert.False(r.Broken, r.Failure));
        Assert.All(sinks, s => Assert.Equal(14, s.Items.Count));
        Assert.All(sinks, s => Assert.All(Tree, f => Assert.Equal(f, s.Single("/" + f).Text)));
        CaptureBudget.AssertWhole();
    }

    /// <summary>A sink that fails stops the capture and closes every file captured and never written.</summary>
    [Fact]
    public async Task Sink_failing_while_captured_ahead_closes_what_was_never_written()
    {
        var sink = new RecordingSink { AfterAdd = r => r.Number == 2 ? throw new IOException("the archive broke") : Task.CompletedTask };

        var ex = await Assert.ThrowsAsync<IOException>(() => CollectAsync(sink, CaptureLimits.DefaultCaptureAhead));

        Assert.Equal("the archive broke", ex.Message);
        Assert.Empty(OpenInTree());
        CaptureBudget.AssertWhole();
    }

    /// <summary>This process's descriptors that point into the test tree (only this test's walk opens any).</summary>
    private List<string> OpenInTree()
    {
        var open = new List<string>();
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } target && target.StartsWith(_root, StringComparison.Ordinal))
                {
                    open.Add(target);
                }
            }
            catch (IOException)
            {
                // Closed between the listing and the readlink.
            }
        }
        return open;
    }

    /// <summary>
    /// Every path of the tree is an item, or lies below an item recorded as not walked: a
    /// directory (partial or missing) or a name whose kind could no longer be read (missing).
    /// </summary>
    private static void AssertAccounted(RecordingSink sink)
    {
        var paths = Tree.SelectMany(f => Prefixes("/" + f)).Distinct().ToList();
        var byPath = sink.Items.ToDictionary(i => Encoding.UTF8.GetString(i.Item.RawPath!), i => i.Item);
        foreach (var path in paths)
        {
            bool own = byPath.ContainsKey(path);
            bool below = Prefixes(path).SkipLast(1).Any(p => byPath.TryGetValue(p, out var d)
                && (d.Status == EntryStatus.Missing || (d.Status == EntryStatus.Partial && d.Metadata.Kind == EntryKind.Directory)));
            Assert.True(own || below, $"{path} is neither recorded nor below a directory recorded as not walked");
        }
    }

    private static IEnumerable<string> Prefixes(string path)
    {
        for (int i = 1; i < path.Length; i++)
        {
            if (path[i] == '/')
            {
                yield return path[..i];
            }
        }
        yield return path;
    }

    /// <summary>The root moved aside and an empty directory put in its place.</summary>
    private void Unmount()
    {
        Directory.Move(_root, _tree.PathOf("moved"));
        Directory.CreateDirectory(_root);
    }

    /// <summary>The tree into the sink; in lockstep (capture ahead 0) unless told, so a change made from the sink lands at a known point of the walk.</summary>
    private async Task<SourceResult> CollectAsync(RecordingSink sink, int captureAhead = 0)
    {
        var collector = new HostTreeCollector
        {
            Section = EvidenceSection.FilesystemFull,
            RootRawPath = "/"u8.ToArray(),
            Description = "test tree " + _root,
            Limits = CaptureLimits.None with { CaptureAhead = captureAhead },
        };
        using var walker = SafeTreeWalker.Open(Encoding.UTF8.GetBytes(_root));
        return await collector.CollectAsync(walker, sink, CancellationToken.None);
    }
}
