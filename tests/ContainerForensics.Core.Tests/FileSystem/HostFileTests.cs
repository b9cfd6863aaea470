using System.Globalization;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.FileSystem;

public sealed class HostFileTests : IDisposable
{
    private readonly TempTree _tree = new();

    public void Dispose() => _tree.Dispose();

    [Fact]
    public async Task Regular_file_metadata_matches_stat_and_content_hash_matches()
    {
        var data = RandomNumberGenerator.GetBytes(100_000);
        string path = _tree.WriteFile("evidence.bin", data);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.SetUser);

        var capture = HostFile.Capture(_tree.BytesOf("evidence.bin"), CaptureLimits.None);

        // stat(1) as the independent oracle, read before our read could have changed anything.
        string[] o = Tool.Run("/usr/bin/stat", "-c", "%a %u %g %s %.9Y %.9X %.9Z %.9W %d %i %h %b", path).Trim().Split(' ');
        Assert.Equal(EntryStatus.Collected, capture.Status);
        var m = capture.Metadata;
        Assert.Equal(EntryKind.File, m.Kind);
        Assert.Equal(o[0], Convert.ToString(m.Mode!.Value, 8));
        Assert.Equal(long.Parse(o[1], CultureInfo.InvariantCulture), m.Uid);
        Assert.Equal(long.Parse(o[2], CultureInfo.InvariantCulture), m.Gid);
        Assert.Equal(long.Parse(o[3], CultureInfo.InvariantCulture), m.Size);
        Assert.Equal(Tool.ParseTime(o[4]), m.ModifiedTime);
        Assert.Equal(Tool.ParseTime(o[5]), m.AccessTime);
        Assert.Equal(Tool.ParseTime(o[6]), m.ChangeTime);
        Assert.Equal(Tool.ParseTime(o[7]), m.BirthTime);
        Assert.Equal(ulong.Parse(o[8], CultureInfo.InvariantCulture), m.SourceDevice);
        Assert.Equal(ulong.Parse(o[9], CultureInfo.InvariantCulture), m.Inode);
        Assert.Equal(ulong.Parse(o[10], CultureInfo.InvariantCulture), m.LinkCount);
        Assert.Equal(long.Parse(o[11], CultureInfo.InvariantCulture), capture.Stat!.Blocks);
        Assert.Null(m.UserName);
        Assert.Null(m.DeviceMajor);

        await using var content = capture.Content!;
        Assert.Equal(data.Length, content.Length);
        Assert.Null(content.Segments);
        var read = await ContentReader.ReadAllAsync(content);
        Assert.Equal(SHA256.HashData(data), SHA256.HashData(read));
        Assert.Equal(Tool.Run("/usr/bin/sha256sum", path)[..64], Convert.ToHexStringLower(SHA256.HashData(read)));
        Assert.Null(await content.CompleteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Sparse_20_GiB_file_has_exact_segments_and_they_hold_the_written_bytes()
    {
        string path = _tree.PathOf("sparse.img");
        Tool.Run("/usr/bin/truncate", "-s", "20G", path);
        var head = RandomNumberGenerator.GetBytes(4096);
        var middle = RandomNumberGenerator.GetBytes(4096);
        const long Middle = 10L << 30;
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            fs.Write(head);
            fs.Position = Middle;
            fs.Write(middle);
        }

        var capture = HostFile.Capture(_tree.BytesOf("sparse.img"), CaptureLimits.None);
        await using var content = capture.Content!;

        Assert.Equal(20L << 30, content.Length);
        Assert.True(capture.Stat!.IsSparse);
        Assert.Equal([new DataSegment(0, 4096), new DataSegment(Middle, 4096)], content.Segments);
        foreach (var (segment, expected) in content.Segments!.Zip([head, middle]))
        {
            Assert.Equal(expected, await ContentReader.ReadRangeAsync(content, segment.Offset, (int)segment.Length));
        }
        Assert.Equal(new byte[4096], await ContentReader.ReadRangeAsync(content, 5L << 30, 4096));  // a hole reads as zeros
        Assert.Null(await content.CompleteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Sparse_file_truncated_by_the_limit_clips_its_segments()
    {
        string path = _tree.PathOf("sparse.img");
        Tool.Run("/usr/bin/truncate", "-s", "1G", path);
        using (var fs = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            fs.Position = 1 << 20;
            fs.Write(new byte[8192]);
            fs.Position = 512 << 20;
            fs.Write(new byte[4096]);
        }
        var capture = HostFile.Capture(_tree.BytesOf("sparse.img"), new CaptureLimits { MaxFileSize = (1 << 20) + 4096 });
        await using var content = capture.Content!;
        Assert.Equal([new DataSegment(1 << 20, 4096)], content.Segments);
    }

    [Fact]
    public async Task Fully_sparse_file_has_no_segments_at_all()
    {
        string path = _tree.PathOf("hole.img");
        Tool.Run("/usr/bin/truncate", "-s", "1G", path);
        var capture = HostFile.Capture(_tree.BytesOf("hole.img"), CaptureLimits.None);
        await using var content = capture.Content!;
        Assert.NotNull(content.Segments);
        Assert.Empty(content.Segments);
    }

    [Fact]
    public async Task Fifo_is_recorded_without_being_opened()
    {
        string path = _tree.PathOf("pipe");
        Tool.Run("/usr/bin/mkfifo", path);

        var capture = await ContentReader.Bounded(() => HostFile.Capture(_tree.BytesOf("pipe"), CaptureLimits.None));

        Assert.Equal(EntryStatus.Collected, capture.Status);
        Assert.Equal(EntryKind.Fifo, capture.Metadata.Kind);
        Assert.Null(capture.Content);
    }

    [RootFact]
    public void Char_device_nodes_are_recorded_with_major_minor_and_never_read()
    {
        string zero = _tree.PathOf("zero");
        Tool.Run("/usr/bin/mknod", zero, "c", "1", "5");

        var capture = HostFile.Capture(_tree.BytesOf("zero"), CaptureLimits.None);
        Assert.Equal(EntryKind.CharDevice, capture.Metadata.Kind);
        Assert.Equal(1u, capture.Metadata.DeviceMajor);
        Assert.Equal(5u, capture.Metadata.DeviceMinor);
        Assert.Null(capture.Content);

        var devNull = HostFile.Capture("/dev/null", CaptureLimits.None);
        Assert.Equal(EntryKind.CharDevice, devNull.Metadata.Kind);
        Assert.Equal((1u, 3u), (devNull.Metadata.DeviceMajor!.Value, devNull.Metadata.DeviceMinor!.Value));
        Assert.Null(devNull.Content);
    }

    [RootFact]
    public void Overlay_whiteout_char_device_0_0_is_a_whiteout()
    {
        Tool.Run("/usr/bin/mknod", _tree.PathOf("deleted"), "c", "0", "0");
        var capture = HostFile.Capture(_tree.BytesOf("deleted"), CaptureLimits.None);
        Assert.Equal(EntryKind.Whiteout, capture.Metadata.Kind);
        Assert.Null(capture.Content);
    }

    [Fact]
    public void Unix_socket_is_a_socket()
    {
        string path = _tree.PathOf("s.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(path));

        var capture = HostFile.Capture(_tree.BytesOf("s.sock"), CaptureLimits.None);
        Assert.Equal(EntryKind.Socket, capture.Metadata.Kind);
        Assert.Null(capture.Content);
    }

    [Fact]
    public void Symlink_to_etc_shadow_is_recorded_as_a_link_and_the_target_is_not_read()
    {
        string link = _tree.PathOf("shadow-link");
        File.CreateSymbolicLink(link, "/etc/shadow");
        var shadow = HostFile.Lstat("/etc/shadow"u8, out _)!;

        var capture = HostFile.Capture(_tree.BytesOf("shadow-link"), CaptureLimits.None);

        Assert.Equal(EntryStatus.Collected, capture.Status);
        Assert.Equal(EntryKind.Symlink, capture.Metadata.Kind);
        Assert.Equal("/etc/shadow"u8.ToArray(), capture.Metadata.LinkTarget);
        Assert.Null(capture.Content);
        Assert.Equal(11, capture.Metadata.Size);
        Assert.NotEqual(shadow.Inode, capture.Metadata.Inode);
        Assert.Equal(shadow, HostFile.Lstat("/etc/shadow"u8, out _));  // not even its atime moved
    }

    [Fact]
    public void Symlink_target_is_byte_exact_even_when_long_and_not_utf8()
    {
        byte[] target = [.. Enumerable.Repeat((byte)'a', 3000), 0xff, 0xfe, (byte)'\n', (byte)'z'];
        Tool.Bash($"ln -s \"$(printf '%3000s' '' | tr ' ' a)\"$'\\xff\\xfe\\nz' '{_tree.PathOf("odd-link")}'");
        var capture = HostFile.Capture(_tree.BytesOf("odd-link"), CaptureLimits.None);
        Assert.Equal(target, capture.Metadata.LinkTarget);
    }

    [Fact]
    public async Task Names_with_newline_and_invalid_utf8_are_captured_byte_exact()
    {
        Tool.Bash($"cd '{_tree.Root}' && printf 'odd' > $'new\\nline\\xff\\xfe'");
        byte[] name = [.. "new\nline"u8, 0xff, 0xfe];
        byte[] path = [.. _tree.RootBytes, (byte)'/', .. name];

        var capture = HostFile.Capture(path, CaptureLimits.None);

        Assert.Equal(EntryStatus.Collected, capture.Status);
        await using var content = capture.Content!;
        Assert.Equal("odd"u8.ToArray(), await ContentReader.ReadAllAsync(content));
        var item = capture.ToEvidenceItem(EvidenceSection.FilesystemChanged, [(byte)'/', .. name]);
        Assert.Equal([(byte)'/', .. name], item.RawPath!);
    }

    [Fact]
    public async Task File_that_grows_while_read_is_partial_and_keeps_its_length_at_open()
    {
        string path = _tree.WriteFile("growing.log", Encoding.ASCII.GetBytes(new string('a', 1000)));
        var capture = HostFile.Capture(_tree.BytesOf("growing.log"), CaptureLimits.None);
        await using var content = capture.Content!;

        await File.AppendAllTextAsync(path, new string('b', 500));
        var read = await ContentReader.ReadAllAsync(content);
        var note = await content.CompleteAsync(CancellationToken.None);

        Assert.Equal(1000, content.Length);
        Assert.Equal(1000, read.Length);
        Assert.NotNull(note);
        Assert.Equal(EntryStatus.Partial, note.Status);
        Assert.Contains("changed while read", note.Reason, StringComparison.Ordinal);
        Assert.Contains("size 1000→1500", note.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task File_deleted_while_open_is_still_read_and_reported()
    {
        string path = _tree.WriteFile("gone-later", "still here"u8.ToArray());
        var capture = HostFile.Capture(_tree.BytesOf("gone-later"), CaptureLimits.None);
        await using var content = capture.Content!;
        File.Delete(path);
        Assert.Equal("still here"u8.ToArray(), await ContentReader.ReadAllAsync(content));
        var note = await content.CompleteAsync(CancellationToken.None);
        Assert.Equal(EntryStatus.Partial, note!.Status);
        Assert.Contains("deleted while read", note.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_missing_not_an_exception()
    {
        var capture = HostFile.Capture(_tree.BytesOf("never-was"), CaptureLimits.None);
        Assert.Equal(EntryStatus.Missing, capture.Status);
        Assert.Equal(UnixError.ENOENT, capture.Errno);
        Assert.Equal("deleted before it was read", capture.Reason);
        Assert.Null(capture.Content);
    }

    [Fact]
    public void Path_with_a_nul_byte_is_refused_instead_of_cut_short()
    {
        byte[] path = [.. _tree.BytesOf("a"), 0, .. "b"u8];
        var capture = HostFile.Capture(path, CaptureLimits.None);
        Assert.Equal(EntryStatus.Failed, capture.Status);
        Assert.Equal(UnixError.EINVAL, capture.Errno);
    }

    [Fact]
    public void Path_through_a_regular_file_fails_with_its_errno()
    {
        _tree.WriteFile("plain", [1]);
        var capture = HostFile.Capture(_tree.BytesOf("plain/child"), CaptureLimits.None);
        Assert.Equal(EntryStatus.Failed, capture.Status);
        Assert.Equal(UnixError.ENOTDIR, capture.Errno);
        Assert.Contains("ENOTDIR", capture.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Over_the_limit_with_truncate_keeps_the_first_bytes_and_says_so()
    {
        var data = RandomNumberGenerator.GetBytes(10_000);
        _tree.WriteFile("big", data);
        var capture = HostFile.Capture(_tree.BytesOf("big"), new CaptureLimits { MaxFileSize = 4096, OversizePolicy = OversizePolicy.Truncate });

        Assert.Equal(EntryStatus.Collected, capture.Status);
        Assert.Equal(10_000, capture.Metadata.Size);  // the source's size stays in the metadata
        await using var content = capture.Content!;
        Assert.Equal(4096, content.Length);
        Assert.True(content.IsTruncated);
        Assert.Equal(data[..4096], await ContentReader.ReadAllAsync(content));
        var note = await content.CompleteAsync(CancellationToken.None);
        Assert.Equal(new ContentReadNote(EntryStatus.Truncated, "truncated at 4096 of 10000 bytes (--max-file-size)"), note);
    }

    [Fact]
    public void Over_the_limit_with_skip_keeps_metadata_only()
    {
        _tree.WriteFile("big", new byte[10_000]);
        var capture = HostFile.Capture(_tree.BytesOf("big"), CaptureLimits.From(new CollectionOptions { MaxFileSize = 4096, Oversize = OversizePolicy.Skip }));

        Assert.Equal(EntryStatus.Skipped, capture.Status);
        Assert.Equal("larger than --max-file-size: 10000 > 4096 bytes", capture.Reason);
        Assert.Null(capture.Content);
        Assert.Equal(10_000, capture.Metadata.Size);
        Assert.Equal(EntryKind.File, capture.Metadata.Kind);
    }

    [Fact]
    public async Task File_at_exactly_the_limit_is_whole()
    {
        _tree.WriteFile("exact", new byte[4096]);
        var capture = HostFile.Capture(_tree.BytesOf("exact"), new CaptureLimits { MaxFileSize = 4096, OversizePolicy = OversizePolicy.Skip });
        await using var content = capture.Content!;
        Assert.Equal(4096, content.Length);
        Assert.Null(await content.CompleteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Proc_file_is_read_to_eof_when_asked()
    {
        var capture = HostFile.Capture("/proc/self/status", new CaptureLimits { ReadUntilEof = true });
        await using var content = capture.Content!;
        Assert.Equal(0, capture.Metadata.Size);  // what stat says about it: why ReadUntilEof exists
        Assert.Null(content.Length);
        var text = Encoding.ASCII.GetString(await ContentReader.ReadAllAsync(content));
        Assert.StartsWith("Name:", text, StringComparison.Ordinal);
        Assert.Null(await content.CompleteAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Proc_file_read_to_eof_is_cut_at_the_limit()
    {
        var capture = HostFile.Capture("/proc/self/status", new CaptureLimits { ReadUntilEof = true, MaxFileSize = 10, OversizePolicy = OversizePolicy.Skip });
        await using var content = capture.Content!;
        Assert.Equal(10, (await ContentReader.ReadAllAsync(content)).Length);
        var note = await content.CompleteAsync(CancellationToken.None);
        Assert.Equal(EntryStatus.Truncated, note!.Status);
    }

    [Fact]
    public async Task Unreadable_range_throws_IOException_carrying_the_errno()
    {
        // /proc/self/mem at address 0 is unmapped: pread fails with EIO, a real unreadable range.
        var capture = HostFile.Capture("/proc/self/mem", new CaptureLimits { ReadUntilEof = true });
        await using var content = capture.Content!;
        var ex = await Assert.ThrowsAsync<IOException>(async () => await content.ReadAsync(0, new byte[4096], CancellationToken.None));
        Assert.Equal(UnixError.EIO, ex.HResult);
        Assert.Contains("EIO", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Trailing_slash_does_not_make_a_final_symlink_followed()
    {
        Directory.CreateDirectory(_tree.PathOf("real"));
        File.CreateSymbolicLink(_tree.PathOf("dirlink"), _tree.PathOf("real"));
        var capture = HostFile.Capture(_tree.PathOf("dirlink") + "//", CaptureLimits.None);
        Assert.Equal(EntryKind.Symlink, capture.Metadata.Kind);
    }

    [Fact]
    public async Task User_xattr_with_binary_value_is_read_back_raw()
    {
        string path = _tree.WriteFile("tagged", [42]);
        byte[] value = [0, 1, 2, 0xff, 0xfe, 0, (byte)'\n'];
        byte[] large = RandomNumberGenerator.GetBytes(1500);  // beyond the first value buffer, within one ext4 xattr block
        TestLibc.Lsetxattr(path, "user.cfir", value);
        TestLibc.Lsetxattr(path, "user.big", large);
        for (int i = 0; i < 30; i++)
        {
            // more than 1 KiB of names: the list buffer has to grow
            TestLibc.Lsetxattr(path, $"user.a-rather-long-attribute-name-{i:D2}", [(byte)i]);
        }

        var capture = HostFile.Capture(_tree.BytesOf("tagged"), CaptureLimits.None);
        await using var content = capture.Content!;

        var attrs = capture.Metadata.ExtendedAttributes;
        Assert.Null(capture.MetadataProblem);
        Assert.Equal(32, attrs.Count);
        Assert.Equal(value, attrs.Single(a => a.Key == "user.cfir").Value);
        Assert.Equal(large, attrs.Single(a => a.Key == "user.big").Value);
        Assert.Equal(attrs.Select(a => a.Key).Order(StringComparer.Ordinal), attrs.Select(a => a.Key));
    }

    [RootFact]
    public void Symlink_xattrs_are_the_links_own_not_the_targets()
    {
        string target = _tree.WriteFile("target", [1]);
        TestLibc.Lsetxattr(target, "user.target", [1]);
        string link = _tree.PathOf("link");
        File.CreateSymbolicLink(link, target);
        TestLibc.Lsetxattr(link, "trusted.cfir-link", [0xff, 0]);  // user.* is not allowed on symlinks; trusted.* needs root

        var capture = HostFile.Capture(_tree.BytesOf("link"), CaptureLimits.None);

        var attr = Assert.Single(capture.Metadata.ExtendedAttributes);
        Assert.Equal("trusted.cfir-link", attr.Key);
        Assert.Equal([0xff, 0], attr.Value);
    }

    [Fact]
    public async Task Reading_does_not_change_atime()
    {
        // relatime updates atime on a read when atime <= mtime: set it far in the past so a
        // plain read would move it, and prove that with a control file.
        string path = _tree.WriteFile("quiet", RandomNumberGenerator.GetBytes(5000));
        string control = _tree.WriteFile("control", RandomNumberGenerator.GetBytes(5000));
        Tool.Run("/usr/bin/touch", "-a", "-d", "2001-02-03 04:05:06.789", path, control);
        var before = HostFile.Lstat(Encoding.UTF8.GetBytes(path), out _)!;
        var controlBefore = HostFile.Lstat(Encoding.UTF8.GetBytes(control), out _)!;

        _ = await File.ReadAllBytesAsync(control);
        var capture = HostFile.Capture(Encoding.UTF8.GetBytes(path), CaptureLimits.None);
        await using (var content = capture.Content!)
        {
            Assert.True(content.OpenedWithNoAtime);
            Assert.Equal(5000, (await ContentReader.ReadAllAsync(content)).Length);
            Assert.Null(await content.CompleteAsync(CancellationToken.None));
        }

        Assert.NotEqual(controlBefore.AccessTime, HostFile.Lstat(Encoding.UTF8.GetBytes(control), out _)!.AccessTime);
        Assert.Equal(before.AccessTime, HostFile.Lstat(Encoding.UTF8.GetBytes(path), out _)!.AccessTime);
        Assert.Equal(before.AccessTime, capture.Metadata.AccessTime);
    }

    [RootFact]
    public async Task O_NOATIME_refused_for_someone_elses_file_falls_back_and_is_remembered()
    {
        // As root O_NOATIME always works; with fsuid 65534 (per thread) root's file is someone
        // else's and CAP_FOWNER is dropped from the effective set (capabilities(7)).
        File.SetUnixFileMode(_tree.Root, (UnixFileMode)Convert.ToInt32("755", 8));
        string path = _tree.WriteFile("roots-file", "readable by all"u8.ToArray());
        File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("644", 8));

        var (capture, refusedAfter, secondNoAtime) = TestLibc.AsFsUid(65534, () =>
        {
            var c = HostFile.Capture(Encoding.UTF8.GetBytes(path), CaptureLimits.None);
            bool refused = HostFile.NoAtimeRefusedOnThisThread;
            var again = HostFile.Capture(Encoding.UTF8.GetBytes(path), CaptureLimits.None);
            bool second = again.Content!.OpenedWithNoAtime;
            again.Content.Dispose();
            return (c, refused, second);
        });

        Assert.Equal(EntryStatus.Collected, capture.Status);
        await using var content = capture.Content!;
        Assert.False(content.OpenedWithNoAtime);
        Assert.True(refusedAfter);
        Assert.False(secondNoAtime);
        Assert.Equal("readable by all"u8.ToArray(), await ContentReader.ReadAllAsync(content));
        Assert.False(HostFile.NoAtimeRefusedOnThisThread);  // other threads are not affected
    }

    [RootFact]
    public void Unreadable_file_fails_with_EACCES()
    {
        File.SetUnixFileMode(_tree.Root, (UnixFileMode)Convert.ToInt32("755", 8));
        string path = _tree.WriteFile("secret", [1, 2, 3]);
        File.SetUnixFileMode(path, UnixFileMode.UserRead);
        var capture = TestLibc.AsFsUid(65534, () => HostFile.Capture(Encoding.UTF8.GetBytes(path), CaptureLimits.None));
        Assert.Equal(EntryStatus.Failed, capture.Status);
        Assert.Equal(UnixError.EACCES, capture.Errno);
        Assert.NotNull(capture.Stat);  // what lstat saw is kept
        Assert.Null(capture.Content);
    }

    [Fact]
    public async Task Hard_links_share_device_and_inode()
    {
        string a = _tree.WriteFile("a", [1]);
        Tool.Run("/bin/ln", a, _tree.PathOf("b"));
        var ca = HostFile.Capture(_tree.BytesOf("a"), CaptureLimits.None);
        var cb = HostFile.Capture(_tree.BytesOf("b"), CaptureLimits.None);
        await ca.Content!.DisposeAsync();
        await cb.Content!.DisposeAsync();
        Assert.Equal(2UL, ca.Metadata.LinkCount);
        Assert.Equal(ca.Metadata.Inode, cb.Metadata.Inode);
        Assert.Equal(ca.Metadata.SourceDevice, cb.Metadata.SourceDevice);
    }

    [Fact]
    public async Task Content_read_after_dispose_throws_and_dispose_is_idempotent()
    {
        _tree.WriteFile("f", [1]);
        var content = HostFile.Capture(_tree.BytesOf("f"), CaptureLimits.None).Content!;
        await content.DisposeAsync();
        await content.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await content.ReadAsync(0, new byte[1], CancellationToken.None));
    }
}
