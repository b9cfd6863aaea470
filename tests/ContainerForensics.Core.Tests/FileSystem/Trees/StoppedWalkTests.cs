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

    [Fact]
    public async Task Undisturbed_walk_is_whole_and_not_broken()
    {
        var sink = new RecordingSink();
        var result = await CollectAsync(sink);
        Assert.False(result.Broken, result.Failure);
        Assert.Empty(sink.Errors);
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Item.Status));
        AssertAccounted(sink);
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

    private async Task<SourceResult> CollectAsync(RecordingSink sink)
    {
        var collector = new HostTreeCollector
        {
            Section = EvidenceSection.FilesystemFull,
            RootRawPath = "/"u8.ToArray(),
            Description = "test tree " + _root,
            Limits = CaptureLimits.None,
        };
        using var walker = SafeTreeWalker.Open(Encoding.UTF8.GetBytes(_root));
        return await collector.CollectAsync(walker, sink, CancellationToken.None);
    }
}
