using ContainerForensics.Core.FileSystem.Trees;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Filesystem;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// <see cref="HostTreeCollector"/> on upper and lower layers built by hand the way overlayfs
/// writes them (https://docs.kernel.org/filesystems/overlayfs.html): 0:0 whiteouts, opaque and
/// redirected directories, xwhiteouts, metacopy files. trusted.* xattrs and device nodes need root.
/// </summary>
public sealed class OverlayUpperDirTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("cfir-overlay-").FullName;

    private string Upper => Path.Combine(_root, "upper");

    private string Lower => Path.Combine(_root, "lower");

    [RootFact]
    public async Task Overlay_markers_become_whiteouts_reasons_and_lower_content()
    {
        Directory.CreateDirectory(Path.Combine(Upper, "opq"));
        File.WriteAllText(Path.Combine(Upper, "opq", "new"), "new\n");
        SetXattr(Path.Combine(Upper, "opq"), "trusted.overlay.opaque", "y"u8);
        Directory.CreateDirectory(Path.Combine(Upper, "moved"));
        SetXattr(Path.Combine(Upper, "moved"), "trusted.overlay.redirect", "/orig"u8);
        Mknod(Path.Combine(Upper, "gone"), 0x2000 /* S_IFCHR */, 0);
        File.WriteAllBytes(Path.Combine(Upper, "xw"), []);
        SetXattr(Path.Combine(Upper, "xw"), "user.overlay.whiteout", ""u8);
        // A chmod with metacopy=on: the upper copy has the size and no data; the lower has the bytes.
        byte[] real = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("ELF payload ", 1000)));
        Directory.CreateDirectory(Path.Combine(Lower, "bin"));
        File.WriteAllBytes(Path.Combine(Lower, "bin", "tool"), real);
        Directory.CreateDirectory(Path.Combine(Upper, "bin"));
        using (var f = File.Create(Path.Combine(Upper, "bin", "tool")))
        {
            f.SetLength(real.Length);
        }
        SetXattr(Path.Combine(Upper, "bin", "tool"), "trusted.overlay.metacopy", ""u8);
        File.WriteAllBytes(Path.Combine(Upper, "lost"), new byte[100]);
        SetXattr(Path.Combine(Upper, "lost"), "trusted.overlay.metacopy", ""u8);

        var sink = await WalkAsync(new HostTreeCollector
        {
            Section = EvidenceSection.FilesystemChanged,
            RootRawPath = "/"u8.ToArray(),
            Overlay = [Path.Combine(_root, "no-such-layer"), Lower],
            Description = "overlay upperdir " + Upper,
            Limits = CaptureLimits.None,
        });

        Assert.Null(sink.Find(EvidenceSection.FilesystemChanged, "/"));
        Assert.Equal(EntryKind.Whiteout, sink.Single(EvidenceSection.FilesystemChanged, "/gone").Kind);
        var xw = sink.Single(EvidenceSection.FilesystemChanged, "/xw");
        Assert.Equal(EntryKind.Whiteout, xw.Kind);
        Assert.Null(xw.Item.Content);
        Assert.Contains("xwhiteout", xw.Item.Reason, StringComparison.Ordinal);
        Assert.Equal("opaque directory: the image's content below it is hidden", sink.Single(EvidenceSection.FilesystemChanged, "/opq").Item.Reason);
        Assert.Null(sink.Single(EvidenceSection.FilesystemChanged, "/opq/new").Item.Reason);
        Assert.Contains("overlay redirect to '/orig'", sink.Single(EvidenceSection.FilesystemChanged, "/moved").Item.Reason, StringComparison.Ordinal);

        var tool = sink.Single(EvidenceSection.FilesystemChanged, "/bin/tool");
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(real)), tool.Sha256);
        Assert.Equal(EntryStatus.Collected, tool.Status);
        Assert.Contains("content from the lower layer " + Lower, tool.Item.Reason, StringComparison.Ordinal);
        var lost = sink.Single(EvidenceSection.FilesystemChanged, "/lost");
        Assert.Equal(EntryStatus.Partial, lost.Status);
        Assert.Null(lost.Item.Content);
        Assert.Empty(sink.Errors);
    }

    [Fact]
    public async Task Hostile_names_and_symlinks_are_kept_as_they_are()
    {
        Directory.CreateDirectory(Upper);
        byte[] newline = "line\nbreak"u8.ToArray();
        byte[] invalid = [0x62, 0xFF, 0xFE, 0x2E, 0x73, 0x68];
        File.WriteAllText(Path.Combine(Upper, Encoding.UTF8.GetString(newline)), "a");
        var raw = Encoding.UTF8.GetBytes(Upper + "/").Concat(invalid).Append((byte)0).ToArray();
        int fd = Open(raw, 0x41 /* O_WRONLY|O_CREAT */, Convert.ToInt32("644", 8));
        Assert.True(fd >= 0);
        Close(fd);
        File.CreateSymbolicLink(Path.Combine(Upper, "evil"), "/etc/shadow");
        Directory.CreateDirectory(Path.Combine(Upper, "d"));
        File.CreateSymbolicLink(Path.Combine(Upper, "d", "up"), "../../../../../../etc");

        var sink = await WalkAsync(new HostTreeCollector
        {
            Section = EvidenceSection.FilesystemChanged,
            RootRawPath = "/"u8.ToArray(),
            Overlay = [],
            Description = "test",
            Limits = CaptureLimits.None,
        });

        Assert.Contains(sink.Items, i => i.Item.RawPath!.SequenceEqual("/line\nbreak"u8.ToArray()));
        Assert.Contains(sink.Items, i => i.Item.RawPath!.SequenceEqual(new byte[] { (byte)'/' }.Concat(invalid).ToArray()));
        var evil = sink.Single(EvidenceSection.FilesystemChanged, "/evil");
        Assert.Equal(EntryKind.Symlink, evil.Kind);
        Assert.Equal("/etc/shadow", evil.LinkTarget);
        Assert.Null(evil.Item.Content);
        Assert.Equal("../../../../../../etc", sink.Single(EvidenceSection.FilesystemChanged, "/d/up").LinkTarget);
        Assert.DoesNotContain(sink.Items, i => i.Path!.Contains("passwd", StringComparison.Ordinal));
        Assert.Equal(5, sink.Items.Count);
    }

    [Fact]
    public async Task A_volume_root_is_an_entry_named_after_the_volume()
    {
        Directory.CreateDirectory(Path.Combine(Upper, "sub"));
        File.WriteAllText(Path.Combine(Upper, "sub", "f"), "data");

        var sink = await WalkAsync(new HostTreeCollector
        {
            Section = EvidenceSection.Volumes,
            RootRawPath = "/web-data"u8.ToArray(),
            IncludeRoot = true,
            Description = "volume web-data",
            Limits = CaptureLimits.None,
        });

        Assert.Equal(["/web-data", "/web-data/sub", "/web-data/sub/f"], sink.Items.Select(i => i.Path));
        Assert.Equal(EntryKind.Directory, sink.Items[0].Kind);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("data"u8)), sink.Items[2].Sha256);
    }

    [Fact]
    public async Task A_layer_removed_during_the_walk_breaks_the_source_and_keeps_what_came_before()
    {
        foreach (var d in new[] { "a", "b", "c" })
        {
            Directory.CreateDirectory(Path.Combine(Upper, d));
            File.WriteAllText(Path.Combine(Upper, d, "f"), d);
        }
        var collector = new HostTreeCollector
        {
            Section = EvidenceSection.FilesystemChanged,
            RootRawPath = "/"u8.ToArray(),
            Overlay = [],
            Description = "overlay upperdir " + Upper,
            // In lockstep: the layer is deleted from the sink at a known point of the walk.
            Limits = CaptureLimits.None with { CaptureAhead = 0 },
        };
        var sink = new RecordingSink { KeepBytes = 64 * 1024, AfterAdd = r => { if (r.Number == 2) { Directory.Delete(Upper, recursive: true); } return Task.CompletedTask; } };
        using var walker = SafeTreeWalker.Open(Encoding.UTF8.GetBytes(Upper));

        var result = await collector.CollectAsync(walker, sink, CancellationToken.None);

        Assert.True(result.Broken);
        Assert.Equal(2, result.Items);
        Assert.Equal(UnixError.ENOENT, result.Errno);
        Assert.Contains("vanished after 2 entries", result.Failure, StringComparison.Ordinal);
        Assert.Equal(["/a", "/a/f"], sink.Items.Take(2).Select(i => i.Path));
        // The names listed but not walked are records, never collected.
        Assert.All(sink.Items.Skip(2), i => Assert.Equal(EntryStatus.Missing, i.Status));
    }

    private async Task<RecordingSink> WalkAsync(HostTreeCollector collector)
    {
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };
        using var walker = SafeTreeWalker.Open(Encoding.UTF8.GetBytes(Upper));
        var result = await collector.CollectAsync(walker, sink, CancellationToken.None);
        Assert.False(result.Broken, result.Failure);
        Assert.Equal(sink.Items.Count, result.Items);
        return sink;
    }

    private static void SetXattr(string path, string name, ReadOnlySpan<byte> value)
    {
        if (SetXattrNative(path, name, value.ToArray(), value.Length, 0) != 0)
        {
            throw new IOException($"setxattr {name} on {path}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    private static void Mknod(string path, uint mode, ulong device)
    {
        if (MknodNative(path, mode, device) != 0)
        {
            throw new IOException($"mknod {path}: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "setxattr", SetLastError = true)]
    private static extern int SetXattrNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, byte[] value, nint size, int flags);

    [DllImport("libc", EntryPoint = "mknod", SetLastError = true)]
    private static extern int MknodNative([MarshalAs(UnmanagedType.LPUTF8Str)] string path, uint mode, ulong device);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open(byte[] path, int flags, int mode);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int Close(int fd);

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
