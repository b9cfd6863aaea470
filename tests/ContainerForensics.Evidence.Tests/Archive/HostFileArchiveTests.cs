using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Evidence.Tests.Tar;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// Real files from the host filesystem, captured the way collectors capture them, through the
/// writer and back out through GNU tar: what the issue calls the hard cases.
/// </summary>
public sealed class HostFileArchiveTests
{
    private static ArchiveEntry EntryFor(string root, string relative, CaptureLimits? limits = null)
    {
        var capture = HostFile.Capture(Path.Combine(root, relative), limits ?? CaptureLimits.None);
        return new ArchiveEntry
        {
            Path = ArchivePath.Parse("fs").AppendRaw(Encoding.UTF8.GetBytes(relative)),
            Metadata = capture.Metadata,
            Content = capture.Content,
            Status = capture.Status,
            Reason = capture.Reason,
            Errno = capture.Errno,
            Source = new EvidenceSource { OriginalPath = Encoding.UTF8.GetBytes("/" + relative) },
        };
    }

    private static void Sh(string dir, string script)
    {
        var r = ExternalTools.Run(dir, "sh", "-c", script);
        Assert.True(r.ExitCode == 0, r.StdErr);
    }

    [RootFact]
    public async Task Links_devices_fifos_sockets_and_empty_files_round_trip_through_gnu_tar()
    {
        using var src = new TempDirectory();
        Sh(src.Path, "printf 'payload' > a && ln a b && ln -s /etc/shadow escape && mkfifo pipe && mknod null c 1 3 && mknod blk b 7 0 && : > empty && chmod 4755 a && touch -d '2024-01-02 03:04:05.123456789' a");
        using var sock = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
        sock.Bind(new System.Net.Sockets.UnixDomainSocketEndPoint(src.Combine("sock")));
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            foreach (var name in new[] { "a", "b", "escape", "pipe", "null", "blk", "empty", "sock" })
            {
                await w.AddAsync(EntryFor(src.Path, name), default);
            }
        });
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));

        using var dst = new TempDirectory();
        File.WriteAllBytes(dst.Combine("a.tar"), archive);
        Directory.CreateDirectory(dst.Combine("x"));
        var tar = ExternalTools.Run(dst.Combine("x"), "tar", "-xpf", "../a.tar");
        Assert.True(tar.ExitCode == 0, tar.StdErr);
        var stat = ExternalTools.Run(dst.Combine("x", "fs"), "stat", "-c", "%n %F %a %h %t,%T %s %.9Y", "a", "b", "escape", "pipe", "null", "blk", "empty").Text;
        Assert.Contains("a regular file 4755 2 0,0 7 1704164645.123456789", stat, StringComparison.Ordinal);
        Assert.Contains("b regular file 4755 2", stat, StringComparison.Ordinal);
        Assert.Contains("escape symbolic link", stat, StringComparison.Ordinal);
        Assert.Contains("pipe fifo", stat, StringComparison.Ordinal);
        Assert.Contains("null character special file", stat, StringComparison.Ordinal);
        Assert.Contains(" 1,3 ", stat, StringComparison.Ordinal);
        Assert.Contains("blk block special file", stat, StringComparison.Ordinal);
        Assert.Contains("empty regular empty file", stat, StringComparison.Ordinal);
        Assert.Equal("/etc/shadow", new FileInfo(dst.Combine("x", "fs", "escape")).LinkTarget);
        var manifest = ArchiveKit.Manifest(archive);
        Assert.Equal("socket", manifest.Single(m => m.GetProperty("path").GetString() == "fs/sock").GetProperty("kind").GetString());
        Assert.Equal("hardlink", manifest.Single(m => m.GetProperty("path").GetString() == "fs/b").GetProperty("kind").GetString());
        var sums = ExternalTools.Run(dst.Combine("x"), "sha256sum", "-c", "--strict", "SHA256SUMS");
        Assert.True(sums.ExitCode == 0, sums.Text + sums.StdErr);
    }

    [Fact]
    public async Task A_sparse_20_GiB_file_from_disk_costs_only_its_data_and_gnu_tar_restores_it()
    {
        using var src = new TempDirectory();
        Sh(src.Path, "truncate -s 20G sparse && printf 'head-EVIDENCE' | dd of=sparse conv=notrunc status=none && printf 'middle-EVIDENCE' | dd of=sparse bs=1 seek=10737418240 conv=notrunc status=none");
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.TarGz, async w => await w.AddAsync(EntryFor(src.Path, "sparse"), default));
        Assert.True(archive.Length < 64 * 1024, $"archive is {archive.Length} bytes");
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));

        using var dst = new TempDirectory();
        File.WriteAllBytes(dst.Combine("a.tgz"), archive);
        Directory.CreateDirectory(dst.Combine("x"));
        Assert.Equal(0, ExternalTools.Run(dst.Combine("x"), "tar", "-xzf", "../a.tgz").ExitCode);
        string restored = dst.Combine("x", "fs", "sparse");
        Assert.Equal(20L << 30, new FileInfo(restored).Length);
        var du = ExternalTools.Run(dst.Path, "du", "-k", restored).Text;
        Assert.True(long.Parse(du.Split('\t')[0], System.Globalization.CultureInfo.InvariantCulture) < 1024, $"extracted file occupies {du}");
        using var f = File.OpenRead(restored);
        var buf = new byte[15];
        f.Position = 10L << 30;
        f.ReadExactly(buf);
        Assert.Equal("middle-EVIDENCE", Encoding.ASCII.GetString(buf));
    }

    [Fact]
    public async Task A_file_that_grows_while_read_is_marked_partial_with_what_changed()
    {
        using var src = new TempDirectory();
        File.WriteAllBytes(src.Combine("log"), new byte[1000]);
        var entry = EntryFor(src.Path, "log");
        // Another process appends between open and the end of the read.
        await File.AppendAllTextAsync(src.Combine("log"), new string('x', 500));
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w => await w.AddAsync(entry, default));
        var e = ArchiveKit.Manifest(archive).Single();
        Assert.Equal("partial", e.GetProperty("status").GetString());
        Assert.True(e.GetProperty("changedWhileRead").GetBoolean());
        Assert.Equal(1000, e.GetProperty("storedSize").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(new byte[1000])), e.GetProperty("sha256").GetString());
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task Max_file_size_truncates_or_skips_and_says_so()
    {
        using var src = new TempDirectory();
        File.WriteAllBytes(src.Combine("big"), RandomNumberGenerator.GetBytes(10_000));
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(EntryFor(src.Path, "big", new CaptureLimits { MaxFileSize = 4096, OversizePolicy = Core.Collection.OversizePolicy.Truncate }), default);
            await w.AddAsync(EntryFor(src.Path, "big", new CaptureLimits { MaxFileSize = 4096, OversizePolicy = Core.Collection.OversizePolicy.Skip }) with { Path = ArchivePath.Parse("fs/big-skipped") }, default);
        });
        var manifest = ArchiveKit.Manifest(archive);
        Assert.Equal("truncated", manifest[0].GetProperty("status").GetString());
        Assert.Equal(4096, manifest[0].GetProperty("storedSize").GetInt64());
        Assert.Equal(10_000, manifest[0].GetProperty("size").GetInt64());
        Assert.Equal("skipped", manifest[1].GetProperty("status").GetString());
        Assert.False(manifest[1].GetProperty("member").GetBoolean());
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok);
        Assert.Equal(["fs/big"], report.Truncated);
    }
}
