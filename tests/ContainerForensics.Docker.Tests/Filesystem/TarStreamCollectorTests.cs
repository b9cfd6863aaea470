using ContainerForensics.Core.FileSystem.Trees;
using System.Formats.Tar;
using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Docker.Filesystem;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// <see cref="TarStreamCollector"/> on tar streams shaped like an engine's export, written here
/// with System.Formats.Tar (an implementation independent of ours): metadata from the headers,
/// links as records, --max-file-size, and streams that break.
/// </summary>
public sealed class TarStreamCollectorTests
{
    private static readonly byte[] Big = Enumerable.Range(0, 100_000).Select(i => (byte)(i * 7)).ToArray();
    private static readonly DateTimeOffset MTime = new(2026, 11, 22, 2, 6, 7, TimeSpan.Zero);

    /// <summary>Like Docker's export: relative names, directories with a trailing slash, no root entry.</summary>
    private static byte[] ExportLike()
    {
        using var buffer = new MemoryStream();
        using (var w = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, "etc/") { Mode = (UnixFileMode)Convert.ToInt32("755", 8), ModificationTime = MTime });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "etc/passwd")
            {
                Mode = (UnixFileMode)Convert.ToInt32("644", 8), Uid = 0, Gid = 42, UserName = "root", GroupName = "shadow", ModificationTime = MTime,
                DataStream = new MemoryStream("root:x:0:0::/root:/bin/sh\nevil:x:0:0::/:/bin/sh\n"u8.ToArray()),
            });
            w.WriteEntry(new PaxTarEntry(TarEntryType.HardLink, "etc/passwd-") { LinkName = "etc/passwd", ModificationTime = MTime });
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "tmp/evil") { LinkName = "/etc/shadow", ModificationTime = MTime });
            w.WriteEntry(new PaxTarEntry(TarEntryType.Fifo, "tmp/p") { ModificationTime = MTime });
            w.WriteEntry(new PaxTarEntry(TarEntryType.CharacterDevice, "dev/null") { DeviceMajor = 1, DeviceMinor = 3, ModificationTime = MTime });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/big") { Mode = (UnixFileMode)Convert.ToInt32("4755", 8), DataStream = new MemoryStream(Big), ModificationTime = MTime });
            w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, "bin/after") { DataStream = new MemoryStream("after"u8.ToArray()), ModificationTime = MTime });
        }
        return buffer.ToArray();
    }

    private static TarStreamCollector Export(CaptureLimits? limits = null) => new()
    {
        Section = EvidenceSection.FilesystemFull,
        Limits = limits ?? CaptureLimits.None,
        Description = "GET /v1.41/containers/x/export",
        MapName = static (relative, _) => relative.Length == 0 ? null : ContainerPath.FromRelative(relative),
    };

    [Fact]
    public async Task Every_entry_becomes_an_item_with_the_header_metadata()
    {
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };
        var result = await Export().CollectAsync(new MemoryStream(ExportLike()), sink, CancellationToken.None);

        Assert.False(result.Broken);
        Assert.Equal(8, result.Items);
        const EvidenceSection S = EvidenceSection.FilesystemFull;
        var etc = sink.Single(S, "/etc");
        Assert.Equal(EntryKind.Directory, etc.Kind);
        Assert.Equal(0b111_101_101u, etc.Item.Metadata.Mode);
        var passwd = sink.Single(S, "/etc/passwd");
        Assert.Equal(EntryKind.File, passwd.Kind);
        Assert.Equal(42, passwd.Item.Metadata.Gid);
        Assert.Equal("shadow", passwd.Item.Metadata.GroupName);
        Assert.Equal("root", passwd.Item.Metadata.UserName);
        Assert.Equal(UnixTime.FromDateTimeOffset(MTime), passwd.Item.Metadata.ModifiedTime);
        Assert.Contains("evil:x:0:0", passwd.Text, StringComparison.Ordinal);
        Assert.Equal("GET /v1.41/containers/x/export", passwd.Item.Source!.Description);

        var link = sink.Single(S, "/etc/passwd-");
        Assert.Equal(EntryKind.HardLink, link.Kind);
        Assert.Equal("/etc/passwd", link.LinkTarget);
        Assert.Null(link.Item.Content);
        Assert.Equal("/etc/shadow", sink.Single(S, "/tmp/evil").LinkTarget);
        Assert.Equal(EntryKind.Symlink, sink.Single(S, "/tmp/evil").Kind);
        Assert.Equal(EntryKind.Fifo, sink.Single(S, "/tmp/p").Kind);
        var dev = sink.Single(S, "/dev/null");
        Assert.Equal((EntryKind.CharDevice, 1u, 3u), (dev.Kind, dev.Item.Metadata.DeviceMajor!.Value, dev.Item.Metadata.DeviceMinor!.Value));
        var big = sink.Single(S, "/bin/big");
        Assert.Equal(Sha(Big), big.Sha256);
        Assert.Equal(Convert.ToUInt32("4755", 8), big.Item.Metadata.Mode);
        Assert.Equal(Big.Length, big.Item.Metadata.Size);
        Assert.Equal("after", sink.Single(S, "/bin/after").Text);
    }

    [Fact]
    public async Task Oversize_truncate_reads_the_head_and_the_next_entry_is_intact()
    {
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };
        var limits = CaptureLimits.From(new CollectionOptions { MaxFileSize = 1000 });
        var result = await Export(limits).CollectAsync(new MemoryStream(ExportLike()), sink, CancellationToken.None);

        Assert.False(result.Broken);
        var big = sink.Single(EvidenceSection.FilesystemFull, "/bin/big");
        Assert.Equal(EntryStatus.Truncated, big.Status);
        Assert.Equal(1000, big.BytesRead);
        Assert.Equal(Sha(Big.AsSpan(0, 1000)), big.Sha256);
        Assert.Equal($"truncated at 1000 of {Big.Length} bytes (--max-file-size)", big.Note!.Reason);
        Assert.Equal("after", sink.Single(EvidenceSection.FilesystemFull, "/bin/after").Text);
    }

    [Fact]
    public async Task Oversize_skip_keeps_the_metadata_only()
    {
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };
        var limits = CaptureLimits.From(new CollectionOptions { MaxFileSize = 1000, Oversize = OversizePolicy.Skip });
        await Export(limits).CollectAsync(new MemoryStream(ExportLike()), sink, CancellationToken.None);

        var big = sink.Single(EvidenceSection.FilesystemFull, "/bin/big");
        Assert.Equal(EntryStatus.Skipped, big.Status);
        Assert.Null(big.Item.Content);
        Assert.Equal($"larger than --max-file-size: {Big.Length} > 1000 bytes", big.Item.Reason);
        Assert.Equal(EntryStatus.Collected, sink.Single(EvidenceSection.FilesystemFull, "/etc/passwd").Status);
        Assert.Equal("after", sink.Single(EvidenceSection.FilesystemFull, "/bin/after").Text);
    }

    [Fact]
    public async Task A_stream_cut_inside_a_file_ends_that_file_partial_and_stops()
    {
        byte[] tar = ExportLike();
        int cut = IndexOf(tar, Big.AsSpan(0, 64)) + 50_000;
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        var result = await Export().CollectAsync(new MemoryStream(tar[..cut]), sink, CancellationToken.None);

        Assert.True(result.Broken);
        Assert.Equal(7, result.Items);
        var big = sink.Single(EvidenceSection.FilesystemFull, "/bin/big");
        Assert.Equal(EntryStatus.Partial, big.Status);
        Assert.Equal(50_000, big.BytesRead);
        Assert.Contains("the tar stream broke after 50000 of 100000 bytes", big.Note!.Reason, StringComparison.Ordinal);
        Assert.Null(sink.Find(EvidenceSection.FilesystemFull, "/bin/after"));
        Assert.IsType<ContainerForensics.Tar.TarFormatException>(result.Cause);
    }

    [Fact]
    public async Task A_stream_cut_between_entries_stops_with_the_entries_before()
    {
        byte[] tar = ExportLike();
        int cut = IndexOf(tar, Big.AsSpan(0, 64)) + Big.Length + 100;  // after big's data, before the end marker
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        var result = await Export().CollectAsync(new MemoryStream(tar[..cut]), sink, CancellationToken.None);

        Assert.True(result.Broken);
        Assert.Equal(7, result.Items);
        Assert.Equal(Sha(Big), sink.Single(EvidenceSection.FilesystemFull, "/bin/big").Sha256);
        Assert.Contains("the tar stream broke after 7 entries", result.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_hard_link_to_a_file_left_out_by_a_filter_is_deferred()
    {
        var deferred = new List<string>();
        var taken = new HashSet<string>();
        var collector = new TarStreamCollector
        {
            Section = EvidenceSection.FilesystemChanged,
            Limits = CaptureLimits.None,
            Description = "export (filtered)",
            MapName = static (relative, _) => relative.Length == 0 ? null : ContainerPath.FromRelative(relative),
            Include = raw => Encoding.UTF8.GetString(raw) is "/etc/passwd-" or "/tmp/p",
            Taken = raw => taken.Add(Encoding.UTF8.GetString(raw)),
            HardLinkTargetTaken = target => taken.Contains(Encoding.UTF8.GetString(target)),
            Deferred = raw => deferred.Add(Encoding.UTF8.GetString(raw)),
        };
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        var result = await collector.CollectAsync(new MemoryStream(ExportLike()), sink, CancellationToken.None);

        Assert.Equal(1, result.Items);
        Assert.Equal(["/tmp/p"], sink.Items.Select(i => i.Path));
        Assert.Equal(["/etc/passwd-"], deferred);
    }

    [Fact]
    public async Task Only_the_first_entry_when_asked_for_one()
    {
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };
        var collector = new TarStreamCollector
        {
            Section = EvidenceSection.FilesystemChanged,
            Limits = CaptureLimits.None,
            Description = "archive",
            MapName = static (_, index) => index == 0 ? "/etc"u8.ToArray() : throw new InvalidOperationException("read past the first entry"),
            MaxEntries = 1,
        };

        var result = await collector.CollectAsync(new MemoryStream(ExportLike()), sink, CancellationToken.None);

        Assert.Equal(1, result.Items);
        Assert.Equal(EntryKind.Directory, sink.Single(EvidenceSection.FilesystemChanged, "/etc").Kind);
    }

    private static string Sha(ReadOnlySpan<byte> data) => Convert.ToHexStringLower(SHA256.HashData(data));

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle);
}
