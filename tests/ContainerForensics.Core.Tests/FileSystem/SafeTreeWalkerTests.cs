using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.FileSystem;

public sealed class SafeTreeWalkerTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static string Show(byte[] relative) => Encoding.UTF8.GetString(relative);

    [Fact]
    public void Order_is_depth_first_with_names_sorted_by_bytes()
    {
        _tree.WriteFile("b", [1]);
        _tree.WriteFile("a/y", [1]);
        _tree.WriteFile("a/x/deep", [1]);
        _tree.WriteFile("a.b", [1]);
        _tree.WriteFile("B", [1]);
        _tree.WriteFile("é", [1]);

        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        var seen = walker.Walk().Select(e => (Show(e.RelativePath), e.Depth)).ToList();

        // 'B' (0x42) < 'a' (0x61) < "a.b" < 'b' < "é" (0xc3 0xa9); a directory precedes its contents.
        Assert.Equal(
            [("", 0), ("B", 1), ("a", 1), ("a/x", 2), ("a/x/deep", 3), ("a/y", 2), ("a.b", 1), ("b", 1), ("é", 1)],
            seen);
        Assert.Equal(seen, walker.Walk().Select(e => (Show(e.RelativePath), e.Depth)).ToList());  // again, same
    }

    [Fact]
    public void Symlink_to_root_inside_the_tree_is_reported_and_not_descended()
    {
        _tree.WriteFile("a/f", [1]);
        File.CreateSymbolicLink(_tree.PathOf("a/rootlink"), "/");
        File.CreateSymbolicLink(_tree.PathOf("etc"), "/etc");

        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        var entries = walker.Walk().ToList();

        Assert.Equal(["", "a", "a/f", "a/rootlink", "etc"], entries.Select(e => Show(e.RelativePath)));
        var link = entries.Single(e => Show(e.RelativePath) == "a/rootlink");
        Assert.Equal(EntryKind.Symlink, link.Stat!.Kind);
        var capture = link.Capture(CaptureLimits.None);
        Assert.Equal("/"u8.ToArray(), capture.Metadata.LinkTarget);
        Assert.Null(capture.Content);
    }

    [Fact]
    public void Capture_by_relative_path_never_follows_a_symlinked_directory()
    {
        File.CreateSymbolicLink(_tree.PathOf("etc"), "/etc");
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);

        var capture = walker.Capture("etc/shadow"u8, CaptureLimits.None);

        Assert.Equal(EntryStatus.Failed, capture.Status);
        Assert.Equal(UnixError.ENOTDIR, capture.Errno);
        Assert.Null(capture.Content);
        Assert.Contains("symlink is never followed", capture.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void OpenBeneath_walks_the_folder_but_never_through_a_symlink()
    {
        _tree.WriteFile("pods/p_1/c/0.log", [1]);
        Directory.CreateDirectory(_tree.PathOf("pods/p_2"));
        File.CreateSymbolicLink(_tree.PathOf("pods/p_2/c"), "/etc");
        File.CreateSymbolicLink(_tree.PathOf("pods/p_3"), _tree.PathOf("pods/p_1"));

        using (var walker = SafeTreeWalker.OpenBeneath(_tree.BytesOf("pods"), "p_1/c"u8))
        {
            Assert.Equal(["", "0.log"], walker.Walk().Select(e => Encoding.UTF8.GetString(e.RelativePath)));
            Assert.Equal(_tree.PathOf("pods") + "/p_1/c", Encoding.UTF8.GetString(walker.RootPath));
        }
        var last = Assert.Throws<IOException>(() => SafeTreeWalker.OpenBeneath(_tree.BytesOf("pods"), "p_2/c"u8));
        Assert.Contains("symlink is never followed", last.Message, StringComparison.Ordinal);
        var middle = Assert.Throws<IOException>(() => SafeTreeWalker.OpenBeneath(_tree.BytesOf("pods"), "p_3/c"u8));
        Assert.Contains("symlink is never followed", middle.Message, StringComparison.Ordinal);
        Assert.Throws<IOException>(() => SafeTreeWalker.OpenBeneath(_tree.BytesOf("pods"), "p_1/../p_1/c"u8));
    }

    [Fact]
    public void The_root_of_an_OpenBeneath_walker_is_looked_up_again_beneath_its_trusted_root()
    {
        _tree.WriteFile("node/layer/diff/f", [1]);
        _tree.WriteFile("elsewhere/diff/f", [1]);
        using var walker = SafeTreeWalker.OpenBeneath(_tree.BytesOf("node"), "layer/diff"u8);
        Assert.True(walker.StatRootNow(out _)!.IsSameFile(walker.RootStat));

        // The layer's directory swapped for a link to another tree that has a diff/ as well.
        Directory.Move(_tree.PathOf("node/layer"), _tree.PathOf("node/layer.old"));
        File.CreateSymbolicLink(_tree.PathOf("node/layer"), _tree.PathOf("elsewhere"));

        Assert.NotNull(HostFile.Lstat(walker.RootPath, out _)); // the joined path, followed, finds the other diff/
        Assert.Null(walker.StatRootNow(out int errno));         // beneath the root, the link is not followed
        Assert.True(errno is UnixError.ENOTDIR or UnixError.ELOOP, UnixError.Describe(errno));
    }

    [Fact]
    public void Capture_by_relative_path_refuses_dot_dot()
    {
        _tree.WriteFile("a/f", [1]);
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        var capture = walker.Capture("a/../../etc/passwd"u8, CaptureLimits.None);
        Assert.Equal(EntryStatus.Failed, capture.Status);
        Assert.Equal(UnixError.EINVAL, capture.Errno);
    }

    [Fact]
    public async Task Capture_by_relative_path_reads_the_file_and_the_root()
    {
        _tree.WriteFile("a/b/c.txt", "hello"u8.ToArray());
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);

        var capture = walker.Capture("/a//./b/c.txt"u8, CaptureLimits.None);
        await using (var content = capture.Content!)
        {
            Assert.Equal("hello"u8.ToArray(), await ContentReader.ReadAllAsync(content));
        }
        var root = walker.Capture(""u8, CaptureLimits.None);
        Assert.Equal(EntryKind.Directory, root.Metadata.Kind);
        Assert.Equal(walker.RootStat.Inode, root.Metadata.Inode);
    }

    [Fact]
    public async Task Names_with_newline_and_invalid_utf8_are_walked_and_captured_byte_exact()
    {
        Tool.Bash($"cd '{_tree.Root}' && mkdir $'new\\nline' && printf 'odd' > $'new\\nline/\\xff\\xfe'");
        byte[] dir = "new\nline"u8.ToArray();
        byte[] file = [.. dir, (byte)'/', 0xff, 0xfe];

        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        var entries = walker.Walk().ToList();

        Assert.Equal([[], dir, file], entries.Select(e => e.RelativePath));
        var entry = entries[2];
        Assert.Equal(new byte[] { 0xff, 0xfe }, entry.Name.ToArray());
        var capture = entry.Capture(CaptureLimits.None);
        await using var content = capture.Content!;
        Assert.Equal("odd"u8.ToArray(), await ContentReader.ReadAllAsync(content));
    }

    [Fact]
    public async Task Entries_captured_while_walking_and_after_the_walk_read_the_same_bytes()
    {
        _tree.WriteFile("d1/d2/f", "deep"u8.ToArray());
        _tree.WriteFile("top", "top"u8.ToArray());
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);

        var during = new Dictionary<string, byte[]>();
        foreach (var e in walker.Walk())
        {
            if (e.Stat!.Kind == EntryKind.File)
            {
                await using var c = e.Capture(CaptureLimits.None).Content!;
                during[Show(e.RelativePath)] = await ContentReader.ReadAllAsync(c);
            }
        }
        // Kept for later: the directories are closed by now, so the path is resolved from the root.
        var after = new Dictionary<string, byte[]>();
        foreach (var e in walker.Walk().ToList().Where(e => e.Stat!.Kind == EntryKind.File))
        {
            await using var c = e.Capture(CaptureLimits.None).Content!;
            after[Show(e.RelativePath)] = await ContentReader.ReadAllAsync(c);
        }

        Assert.Equal(2, during.Count);
        Assert.Equal(during, after);
        Assert.Equal("deep"u8.ToArray(), during["d1/d2/f"]);
    }

    [Fact]
    public async Task File_deleted_between_walk_and_capture_is_missing()
    {
        _tree.WriteFile("victim", [1, 2, 3]);
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        var entry = walker.Walk().Single(e => Show(e.RelativePath) == "victim");
        File.Delete(_tree.PathOf("victim"));

        var capture = entry.Capture(CaptureLimits.None);

        Assert.Equal(EntryStatus.Missing, capture.Status);
        Assert.Equal("deleted before it was read", capture.Reason);
        Assert.Equal(UnixError.ENOENT, capture.Errno);
        Assert.NotNull(capture.Stat);  // what the walk saw
        await Task.CompletedTask;
    }

    [Fact]
    public void File_replaced_between_walk_and_capture_is_a_failure()
    {
        _tree.WriteFile("swapped", "original"u8.ToArray());
        _tree.WriteFile("other", "impostor"u8.ToArray());
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);

        foreach (var entry in walker.Walk())
        {
            if (Show(entry.RelativePath) == "swapped")
            {
                File.Move(_tree.PathOf("other"), _tree.PathOf("swapped"), overwrite: true);
                var capture = entry.Capture(CaptureLimits.None);
                Assert.Equal(EntryStatus.Failed, capture.Status);
                Assert.StartsWith("file replaced between stat and open", capture.Reason, StringComparison.Ordinal);
                Assert.Null(capture.Content);
                return;
            }
        }
        Assert.Fail("entry not found");
    }

    [Fact]
    public async Task File_swapped_for_a_fifo_after_the_walk_neither_hangs_nor_is_read()
    {
        _tree.WriteFile("x", [1]);
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        var entry = walker.Walk().Single(e => Show(e.RelativePath) == "x");
        File.Delete(_tree.PathOf("x"));
        Tool.Run("/usr/bin/mkfifo", _tree.PathOf("x"));

        var capture = await ContentReader.Bounded(() => entry.Capture(CaptureLimits.None));

        Assert.Equal(EntryStatus.Failed, capture.Status);
        Assert.Contains("became Fifo", capture.Reason, StringComparison.Ordinal);
        Assert.Null(capture.Content);
    }

    [RootFact]
    public async Task File_swapped_for_a_device_node_is_not_opened()
    {
        _tree.WriteFile("x", [1]);
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        var entry = walker.Walk().Single(e => Show(e.RelativePath) == "x");
        File.Delete(_tree.PathOf("x"));
        Tool.Run("/usr/bin/mknod", _tree.PathOf("x"), "c", "1", "5");

        var capture = await ContentReader.Bounded(() => entry.Capture(CaptureLimits.None));

        Assert.Equal(EntryStatus.Failed, capture.Status);
        Assert.Contains("became CharDevice", capture.Reason, StringComparison.Ordinal);
        Assert.Null(capture.Content);
    }

    [Fact]
    public async Task Special_files_in_the_tree_are_walked_without_blocking()
    {
        Tool.Run("/usr/bin/mkfifo", _tree.PathOf("pipe"));
        _tree.WriteFile("z", [1]);
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);

        var kinds = await ContentReader.Bounded(() => walker.Walk()
            .Select(e => (Show(e.RelativePath), e.Capture(CaptureLimits.None)))
            .Select(t => (t.Item1, t.Item2.Metadata.Kind, t.Item2.Content is not null))
            .ToList());

        Assert.Equal([("", EntryKind.Directory, false), ("pipe", EntryKind.Fifo, false), ("z", EntryKind.File, true)], kinds);
    }

    [Fact]
    public void Directory_vanishing_during_the_walk_is_an_entry_not_an_exception()
    {
        _tree.WriteFile("a", [1]);
        _tree.WriteFile("b/c", [1]);
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);

        var entries = new List<WalkEntry>();
        foreach (var e in walker.Walk())
        {
            entries.Add(e);
            if (Show(e.RelativePath) == "a")
            {
                Directory.Delete(_tree.PathOf("b"), recursive: true);
            }
        }

        Assert.Equal(["", "a", "b"], entries.Select(e => Show(e.RelativePath)));
        Assert.True(entries[2].Vanished);
        Assert.Null(entries[2].Stat);
        Assert.Equal(EntryStatus.Missing, entries[2].Capture(CaptureLimits.None).Status);
    }

    [RootFact]
    public void Unreadable_subdirectory_is_a_failure_entry_and_the_walk_goes_on()
    {
        File.SetUnixFileMode(_tree.Root, (UnixFileMode)Convert.ToInt32("755", 8));
        _tree.WriteFile("closed/inside", [1]);
        _tree.WriteFile("open/inside", [1]);
        File.SetUnixFileMode(_tree.PathOf("open"), (UnixFileMode)Convert.ToInt32("755", 8));
        File.SetUnixFileMode(_tree.PathOf("open/inside"), (UnixFileMode)Convert.ToInt32("644", 8));
        File.SetUnixFileMode(_tree.PathOf("closed"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var entries = TestLibc.AsFsUid(65534, () =>
        {
            using var walker = SafeTreeWalker.Open(_tree.RootBytes);
            return walker.Walk().Select(e => (Show(e.RelativePath), e.Errno, e.Error)).ToList();
        });

        Assert.Equal(["", "closed", "open", "open/inside"], entries.Select(e => e.Item1));
        Assert.Equal(UnixError.EACCES, entries[1].Errno);
        Assert.StartsWith("cannot open directory: EACCES", entries[1].Error, StringComparison.Ordinal);
        Assert.Null(entries[3].Errno);
    }

    [Fact]
    public void Depth_limit_reports_the_directory_without_entering_it()
    {
        _tree.WriteFile("a/b/c/d", [1]);
        using var walker = SafeTreeWalker.Open(_tree.RootBytes, new WalkOptions { MaxDepth = 2 });
        var entries = walker.Walk().ToList();
        Assert.Equal(["", "a", "a/b"], entries.Select(e => Show(e.RelativePath)));
        Assert.Equal("depth limit 2 reached, not entered", entries[2].NotDescended);
    }

    [RootFact]
    public void Mount_point_is_reported_not_entered()
    {
        _tree.WriteFile("m/hidden-below", [1]);
        string mountPoint = _tree.PathOf("m");
        Tool.Run("/bin/mount", "-t", "tmpfs", "cfir-test", mountPoint);
        try
        {
            File.WriteAllBytes(Path.Combine(mountPoint, "on-tmpfs"), [1]);
            using (var walker = SafeTreeWalker.Open(_tree.RootBytes))
            {
                var entries = walker.Walk().ToList();
                Assert.Equal(["", "m"], entries.Select(e => Show(e.RelativePath)));
                Assert.StartsWith("mount point of another filesystem", entries[1].NotDescended, StringComparison.Ordinal);
            }
            using (var walker = SafeTreeWalker.Open(_tree.RootBytes, new WalkOptions { StayOnFileSystem = false }))
            {
                Assert.Equal(["", "m", "m/on-tmpfs"], walker.Walk().Select(e => Show(e.RelativePath)));
            }
        }
        finally
        {
            Tool.Run("/bin/umount", mountPoint);
        }
    }

    [Fact]
    public void Root_that_is_a_symlink_or_missing_cannot_be_opened()
    {
        File.CreateSymbolicLink(_tree.PathOf("link"), "/");
        var ex = Assert.Throws<IOException>(() => SafeTreeWalker.Open(_tree.BytesOf("link")));
        Assert.Equal(UnixError.ENOTDIR, ex.HResult);  // O_NOFOLLOW|O_DIRECTORY on a symlink
        ex = Assert.Throws<IOException>(() => SafeTreeWalker.Open(_tree.BytesOf("nope")));
        Assert.Equal(UnixError.ENOENT, ex.HResult);
    }

    [Fact]
    public void Breaking_off_a_walk_closes_its_directories()
    {
        for (int i = 0; i < 50; i++)
        {
            _tree.WriteFile($"d{i:D2}/e/f", [1]);
        }
        using var walker = SafeTreeWalker.Open(_tree.RootBytes);
        for (int round = 0; round < 20; round++)
        {
            _ = walker.Walk().Take(5).Count();
        }
        // Descriptors of this process that point into the tree: only the walker's root remains.
        var open = new DirectoryInfo("/proc/self/fd").GetFileSystemInfos()
            .Select(f => f.LinkTarget)
            .Where(t => t is not null && t.StartsWith(_tree.Root, StringComparison.Ordinal))
            .ToList();
        Assert.Equal([_tree.Root], open);
    }
}
