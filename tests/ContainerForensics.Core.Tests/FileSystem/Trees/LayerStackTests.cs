using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.FileSystem.Trees;

/// <summary>
/// <see cref="LayerStack"/> and <see cref="LayerStackCollector"/> on real directories with real
/// markers: whiteouts made with mknod c 0 0, opaque directories with trusted.overlay.opaque (both
/// need root), AUFS names; and against the kernel's own overlayfs mounted on the same layers,
/// which is the oracle of what the merged view must be.
/// </summary>
[Collection(ContainerForensics.Core.Tests.FileSystem.Trees.CaptureBudget.Collection)]
public sealed class LayerStackTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose()
    {
        foreach (var m in _mounts)
        {
            Tool.Run("/usr/bin/umount", m);
        }
        _tree.Dispose();
    }

    private readonly List<string> _mounts = [];

    [RootFact]
    public async Task Higher_layers_hide_lower_names_whiteouts_delete_and_opaque_directories_hide_what_is_below()
    {
        // top: a changed file, a whiteout of a file and of a whole directory, an opaque directory.
        Write("top/etc/passwd", "root:x:0:0\nevil:x:0:0\n");
        Mknod("top/etc/shadow");
        Mknod("top/var");
        Write("top/opt/app/new", "new");
        Opaque("top/opt/app");
        // middle: a file the top keeps, one it does not touch.
        Write("mid/etc/passwd", "root:x:0:0\n");
        Write("mid/etc/group", "root:x:0:\n");
        Write("mid/opt/app/old", "old");
        // bottom: what the image had first.
        Write("bottom/etc/shadow", "root:*:1:0:99999:7:::\n");
        Write("bottom/etc/hostname", "image\n");
        Write("bottom/var/log/messages", "boot\n");
        Write("bottom/opt/app/older", "older");
        Write("bottom/opt/other", "other");

        var sink = await CollectAsync(Layer("top"), Layer("mid"), Layer("bottom"));

        Assert.Equal(
            ["/etc", "/etc/group", "/etc/hostname", "/etc/passwd", "/opt", "/opt/app", "/opt/app/new", "/opt/other"],
            sink.Items.Select(i => i.Path!).ToList());
        Assert.Equal("root:x:0:0\nevil:x:0:0\n", sink.Single("/etc/passwd").Text);
        Assert.Contains("layer 1 of 3", sink.Single("/etc/passwd").Item.Source!.Description, StringComparison.Ordinal);
        Assert.Contains("mid", sink.Single("/etc/group").Item.Source!.Description, StringComparison.Ordinal);
        Assert.Contains("layer 3 of 3", sink.Single("/etc/hostname").Item.Source!.Description, StringComparison.Ordinal);
        // The directory's own metadata is the topmost layer's, without the overlay's attribute.
        Assert.Contains("top", sink.Single("/opt/app").Item.Source!.Description, StringComparison.Ordinal);
        Assert.Empty(sink.Single("/opt/app").Item.Metadata.ExtendedAttributes);
        Assert.All(sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Status));
        Assert.Empty(sink.Errors);
    }

    [RootFact]
    public async Task A_name_that_is_a_file_above_and_a_directory_below_is_the_file_and_the_other_way_round()
    {
        Write("top/a", "file over a directory");
        Write("top/b/inside", "directory over a file");
        Write("low/a/hidden", "hidden below a file");
        Write("low/b", "hidden below a directory");
        Write("low/c/d/e", "merged");
        Write("top/c/x", "x");

        var sink = await CollectAsync(Layer("top"), Layer("low"));

        Assert.Equal(["/a", "/b", "/b/inside", "/c", "/c/d", "/c/d/e", "/c/x"], sink.Items.Select(i => i.Path!).ToList());
        Assert.Equal(EntryKind.File, sink.Single("/a").Kind);
        Assert.Equal(EntryKind.Directory, sink.Single("/b").Kind);
    }

    [RootFact]
    public async Task Symlinks_are_entries_of_their_layer_and_are_never_followed()
    {
        Directory.CreateDirectory(Dir("top"));
        File.CreateSymbolicLink(Dir("top") + "/etc", "/etc");
        Directory.CreateDirectory(Dir("top") + "/d");
        File.CreateSymbolicLink(Dir("top") + "/d/up", "../../../../../../etc");
        Write("low/etc/hostname", "image\n");

        var sink = await CollectAsync(Layer("top"), Layer("low"));

        Assert.Equal(["/d", "/d/up", "/etc"], sink.Items.Select(i => i.Path!).ToList());
        Assert.Equal("/etc", sink.Single("/etc").LinkTarget);
        Assert.DoesNotContain(sink.Items, i => i.Path!.Contains("passwd", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Aufs_layers_delete_with_wh_names_and_make_opaque_with_wh_wh_opq_an_overlay_layer_shows_them_as_files()
    {
        Write("aufs/.wh.gone", "");
        Write("aufs/.wh..wh.plnk/123.456", "");
        Write("aufs/dir/.wh..wh..opq", "");
        Write("aufs/dir/mine", "mine");
        Write("aufs/kept", "kept");
        Write("low/gone", "deleted by the layer above");
        Write("low/dir/theirs", "hidden by the opaque marker");
        Write("low/stays", "stays");
        Write("upper/.wh.stays", "a file a container made");

        var sink = await CollectAsync(Layer("upper"), Layer("aufs", LayerWhiteouts.Aufs), Layer("low"));

        Assert.Equal(["/.wh.stays", "/dir", "/dir/mine", "/kept", "/stays"], sink.Items.Select(i => i.Path!).ToList());
        Assert.Equal("a file a container made", sink.Single("/.wh.stays").Text);
    }

    [RootFact]
    public async Task A_user_overlay_attribute_is_a_marker_only_in_a_rootless_layer()
    {
        Write("top/dir/mine", "mine");
        TestLibc.Lsetxattr(Dir("top") + "/dir", "user.overlay.opaque", "y"u8.ToArray());
        Write("low/dir/theirs", "theirs");

        var rootful = await CollectAsync(Layer("top"), Layer("low"));
        Assert.Equal(["/dir", "/dir/mine", "/dir/theirs"], rootful.Items.Select(i => i.Path!).ToList());
        // Not the overlay's attribute there: it is kept, as the container set it.
        Assert.Contains(rootful.Single("/dir").Item.Metadata.ExtendedAttributes, a => a.Key == "user.overlay.opaque");

        var rootless = await CollectAsync(Layer("top") with { UserXattrs = true }, Layer("low") with { UserXattrs = true });
        Assert.Equal(["/dir", "/dir/mine"], rootless.Items.Select(i => i.Path!).ToList());
    }

    [Fact]
    public async Task Too_many_open_directories_or_too_deep_is_an_entry_not_entered()
    {
        Write("top/a/b/c/d/f", "deep");
        Write("low/a/b/c/d/g", "deep too");

        using (var stack = new LayerStack([Layer("top"), Layer("low")]) { MaxOpenDirectories = 6 })
        {
            var sink = new RecordingSink();
            await Collector().CollectAsync(stack, sink, CancellationToken.None);
            Assert.Equal(["/a", "/a/b", "/a/b/c"], sink.Items.Select(i => i.Path!).ToList());
            var c = sink.Single("/a/b/c");
            Assert.Equal(EntryStatus.Partial, c.Status);
            Assert.Contains("layer directories would be open at once", c.Item.Reason, StringComparison.Ordinal);
        }
        using (var stack = new LayerStack([Layer("top"), Layer("low")], new WalkOptions { MaxDepth = 2 }))
        {
            var sink = new RecordingSink();
            await Collector().CollectAsync(stack, sink, CancellationToken.None);
            Assert.Equal(["/a", "/a/b"], sink.Items.Select(i => i.Path!).ToList());
            Assert.Contains("depth limit 2", sink.Single("/a/b").Item.Reason, StringComparison.Ordinal);
        }
    }

    [RootFact]
    public async Task A_lower_directory_that_cannot_be_merged_makes_the_merged_directory_partial_and_the_rest_is_merged()
    {
        Write("top/dir/a", "a");
        Write("low/dir/b", "b");
        Write("low/other", "other");
        // Another filesystem mounted on the lower layer's directory: not merged, as a walk does not cross mounts.
        Tool.Run("/usr/bin/mount", "-t", "tmpfs", "tmpfs", Dir("low") + "/dir");
        _mounts.Add(Dir("low") + "/dir");
        File.WriteAllText(Dir("low") + "/dir/on-tmpfs", "not the layer's");

        var sink = await CollectAsync(Layer("top"), Layer("low"));

        Assert.Equal(["/dir", "/dir/a", "/other"], sink.Items.Select(i => i.Path!).ToList());
        var dir = sink.Single("/dir");
        Assert.Equal(EntryStatus.Partial, dir.Status);
        Assert.Contains("its contents were not all merged: low: '/dir' is a mount point of another filesystem", dir.Item.Reason, StringComparison.Ordinal);
    }

    /// <summary>
    /// The oracle: the kernel's overlayfs on the same layers. Changes made through the mount
    /// (deletions, an opaque re-creation, a renamed directory: redirect_dir=on, a chown: metacopy=on)
    /// leave the markers overlayfs itself writes; the merged view walked while mounted is then what
    /// the stack of the layers must show, entry for entry, content and metadata alike.
    /// </summary>
    [RootFact]
    public async Task The_merged_view_equals_the_kernels_overlay_mount_of_the_same_layers()
    {
        Write("l2/bin/busybox", new string('B', 70_000));
        Write("l2/etc/passwd", "root:x:0:0\n");
        Write("l2/etc/shadow", "root:*:1\n");
        Write("l2/usr/share/doc/a", "doc a");
        Write("l2/usr/share/doc/b", "doc b");
        Write("l2/srv/data/one", "one");
        Write("l2/srv/data/two", "two");
        Write("l2/opt/tool", "tool data " + new string('t', 10_000));
        Write("l1/etc/passwd", "root:x:0:0\nadmin:x:1000:1000\n");
        Write("l1/usr/share/doc/c", "doc c");
        Mknod("l1/etc/shadow");
        Directory.CreateDirectory(Dir("upper"));
        Directory.CreateDirectory(Dir("work"));
        Directory.CreateDirectory(Dir("merged"));
        Tool.Run("/usr/bin/mount", "-t", "overlay", "overlay", "-o",
            $"lowerdir={Dir("l1")}:{Dir("l2")},upperdir={Dir("upper")},workdir={Dir("work")},redirect_dir=on,metacopy=on", Dir("merged"));
        _mounts.Add(Dir("merged"));
        string m = Dir("merged");
        File.WriteAllText(m + "/etc/hostname", "container\n");                         // new file
        File.AppendAllText(m + "/etc/passwd", "evil:x:0:0\n");                        // copied up and changed
        File.Delete(m + "/usr/share/doc/a");                                           // whiteout
        Directory.Delete(m + "/srv/data", recursive: true);                            // whiteout of a lower directory
        Directory.CreateDirectory(m + "/srv/data");                                    // ... made again: opaque
        File.WriteAllText(m + "/srv/data/three", "three");
        Directory.Move(m + "/usr/share/doc", m + "/usr/share/manuals");                // redirect_dir
        Tool.Run("/usr/bin/chown", "1234:1234", m + "/opt/tool");                     // metacopy
        Tool.Run("/usr/bin/mknod", m + "/dev-null", "c", "1", "3");
        File.CreateSymbolicLink(m + "/link", "/etc/shadow");

        var kernel = await SnapshotAsync(SafeTreeWalker.Open(Encoding.UTF8.GetBytes(m)));
        Tool.Run("/usr/bin/umount", m);
        _mounts.Clear();
        Assert.NotNull(LayerMarker("upper/usr/share/manuals", "trusted.overlay.redirect"));
        Assert.NotNull(LayerMarker("upper/opt/tool", "trusted.overlay.metacopy"));
        Assert.Equal("y", LayerMarker("upper/srv/data", "trusted.overlay.opaque"));

        var sink = await CollectAsync(Layer("upper"), Layer("l1"), Layer("l2"));
        var merged = sink.Items.ToDictionary(i => i.Path!, Describe);

        Assert.Equal(kernel.Keys.Order(StringComparer.Ordinal), merged.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, expected) in kernel)
        {
            Assert.Equal(expected, merged[path]);
        }
        Assert.Equal(kernel.Keys.ToList(), sink.Items.Select(i => i.Path!).ToList());  // the same order too
        Assert.Contains("content from l2", sink.Single("/opt/tool").Item.Reason, StringComparison.Ordinal);
        Assert.Contains("/usr/share/manuals/b", merged.Keys);
        Assert.DoesNotContain("/usr/share/manuals/a", merged.Keys);
        Assert.Empty(sink.Errors);
    }

    [RootFact]
    public void The_walk_holds_one_open_directory_per_layer_along_the_path_not_per_file()
    {
        for (int i = 0; i < 200; i++)
        {
            Write($"top/many/d{i:D3}/f", "x");
            Write($"low/many/d{i:D3}/g", "y");
        }
        using var stack = new LayerStack([Layer("top"), Layer("low")]);
        int most = 0;
        int entries = 0;
        foreach (var entry in stack.Walk())
        {
            most = Math.Max(most, OpenDirectoriesUnder(_tree.Root));
            entries++;
        }
        Assert.Equal(1 + 1 + 200 * 3, entries);
        // The two layers' roots (held by the stack), then /, many and one d### of each layer.
        Assert.InRange(most, 4, 8);
        Assert.Equal(2, OpenDirectoriesUnder(_tree.Root));
    }

    /// <summary>This process's descriptors of directories below <paramref name="root"/> (other tests run alongside: only ours are counted).</summary>
    private static int OpenDirectoriesUnder(string root) =>
        Directory.GetFileSystemEntries("/proc/self/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget is { } target && target.StartsWith(root, StringComparison.Ordinal);
            }
            catch (IOException)
            {
                return false;
            }
        });

    /// <summary>Every entry below a walked root as its description (kind, mode, owner, size, mtime, link, content hash).</summary>
    private static async Task<Dictionary<string, string>> SnapshotAsync(SafeTreeWalker walker)
    {
        using (walker)
        {
            var sink = new RecordingSink();
            await new HostTreeCollector
            {
                Section = EvidenceSection.FilesystemFull,
                RootRawPath = "/"u8.ToArray(),
                Description = "kernel overlay",
                Limits = CaptureLimits.None,
            }.CollectAsync(walker, sink, CancellationToken.None);
            Assert.Empty(sink.Errors);
            return sink.Items.ToDictionary(i => i.Path!, Describe);
        }
    }

    private static string Describe(RecordingSink.Recorded r)
    {
        var m = r.Item.Metadata;
        string mtime = m.Kind == EntryKind.Directory ? "" : m.ModifiedTime?.ToIso8601() ?? "";
        return $"{m.Kind} {m.Mode} {m.Uid}:{m.Gid} size={(m.Kind == EntryKind.Directory ? "" : m.Size)} {m.DeviceMajor}:{m.DeviceMinor} mtime={mtime} link={r.LinkTarget} sha256={r.Sha256} {r.Status}";
    }

    private async Task<RecordingSink> CollectAsync(params StackLayer[] layers)
    {
        using var stack = new LayerStack(layers);
        var sink = new RecordingSink();
        var result = await Collector().CollectAsync(stack, sink, CancellationToken.None);
        Assert.False(result.Broken, result.Failure);
        Assert.Equal(sink.Items.Count, result.Items);
        return sink;
    }

    private static LayerStackCollector Collector() => new()
    {
        Section = EvidenceSection.FilesystemFull,
        Description = "test stack",
        Limits = CaptureLimits.None,
    };

    private StackLayer Layer(string name, LayerWhiteouts whiteouts = LayerWhiteouts.Overlay)
    {
        Directory.CreateDirectory(Dir(name));
        return new StackLayer(SafeTreeWalker.Open(Encoding.UTF8.GetBytes(Dir(name))), name) { Whiteouts = whiteouts };
    }

    private string Dir(string name) => _tree.PathOf(name);

    private void Write(string relative, string content) => _tree.WriteFile(relative, Encoding.UTF8.GetBytes(content));

    private void Mknod(string relative)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(_tree.PathOf(relative))!);
        Tool.Run("/usr/bin/mknod", _tree.PathOf(relative), "c", "0", "0");
    }

    private void Opaque(string relative) => TestLibc.Lsetxattr(_tree.PathOf(relative), "trusted.overlay.opaque", "y"u8.ToArray());

    private string? LayerMarker(string relative, string name) =>
        TestLibc.Lgetxattr(_tree.PathOf(relative), name) is { } value ? Encoding.UTF8.GetString(value) : null;
}
