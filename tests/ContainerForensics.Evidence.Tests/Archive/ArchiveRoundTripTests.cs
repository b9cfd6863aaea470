using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Tests.Tar;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// The archive as a receiver meets it: real GNU tar extracts it, real sha256sum -c --strict
/// accepts it from the extraction root, and cfir verify finds it intact.
/// </summary>
public sealed class ArchiveRoundTripTests
{
    private static readonly UnixTime Mtime = new(1_700_000_000, 123_456_789);

    private static async Task<byte[]> SampleAsync(ArchiveFormat format)
    {
        var root = ArchivePath.Of("containers", "docker", "-", "web_0123456789ab", "filesystem", "changed");
        return await ArchiveKit.BuildAsync(format, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{\"marker\":\"EVIDENCE-ACQ\"}"), default);
            await w.AddAsync(new ArchiveEntry
            {
                Path = root.AppendRaw("var/www/shell.php"u8),
                Content = EvidenceContent.FromBytes("<?php system($_GET['c']); ?> EVIDENCE-CONTENT"u8.ToArray()),
                Metadata = new EntryMetadata { Mode = 0b110_100_100, Uid = 33, Gid = 33, ModifiedTime = Mtime, AccessTime = Mtime, ChangeTime = Mtime },
                Source = new EvidenceSource { Runtime = "docker", ContainerId = "0123456789ab", OriginalPath = "/var/www/shell.php"u8.ToArray() },
            }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw("empty"u8), Content = EvidenceContent.FromBytes(Array.Empty<byte>()) }, default);
            // Hostile names: a newline, bytes that are not UTF-8, a 300-byte path.
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw("tmp/evil\nname"u8), Content = EvidenceContent.FromBytes("newline"u8.ToArray()) }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw([(byte)'b', 0xFF, 0xFE, (byte)'d']), Content = EvidenceContent.FromBytes("bad utf8"u8.ToArray()),
                Source = new EvidenceSource { OriginalPath = [(byte)'/', (byte)'b', 0xFF, 0xFE, (byte)'d'] } }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw(Encoding.ASCII.GetBytes(string.Join('/', Enumerable.Repeat("abcdefghi", 30)))), Content = EvidenceContent.FromBytes("deep"u8.ToArray()) }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw("etc/link"u8), Metadata = new EntryMetadata { Kind = EntryKind.Symlink, LinkTarget = "/etc/shadow"u8.ToArray(), ModifiedTime = Mtime } }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw("run/fifo"u8), Metadata = new EntryMetadata { Kind = EntryKind.Fifo, Mode = 0b110_100_100 } }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw("dev/null"u8), Metadata = new EntryMetadata { Kind = EntryKind.CharDevice, DeviceMajor = 1, DeviceMinor = 3, Mode = 0b110_110_110 } }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw("run/sock"u8), Metadata = new EntryMetadata { Kind = EntryKind.Socket } }, default);
            await w.AddAsync(new ArchiveEntry { Path = root.AppendRaw("etc/hosts.allow"u8), Metadata = new EntryMetadata { Kind = EntryKind.Whiteout } }, default);
        });
    }

    [RootFact]
    public async Task Gnu_tar_extracts_it_and_sha256sum_accepts_it_from_the_extraction_root()
    {
        foreach (var format in new[] { ArchiveFormat.Tar, ArchiveFormat.TarGz })
        {
            var archive = await SampleAsync(format);
            using var dir = new TempDirectory();
            File.WriteAllBytes(dir.Combine("a"), archive);
            Directory.CreateDirectory(dir.Combine("x"));
            var tar = ExternalTools.Run(dir.Combine("x"), "tar", "-xpf", "../a");
            Assert.True(tar.ExitCode == 0, tar.StdErr);
            var sums = ExternalTools.Run(dir.Combine("x"), "sha256sum", "-c", "--strict", "SHA256SUMS");
            Assert.True(sums.ExitCode == 0, sums.Text + sums.StdErr);
            Assert.Contains("shell.php: OK", sums.Text, StringComparison.Ordinal);

            string changed = dir.Combine("x", "containers", "docker", "-", "web_0123456789ab", "filesystem", "changed");
            Assert.Equal("<?php system($_GET['c']); ?> EVIDENCE-CONTENT", File.ReadAllText(Path.Combine(changed, "var", "www", "shell.php")));
            Assert.Equal("newline", File.ReadAllText(Path.Combine(changed, "tmp", "evil%0Aname")));
            Assert.Equal("bad utf8", File.ReadAllText(Path.Combine(changed, "b%FF%FEd")));
            Assert.Equal("/etc/shadow", new FileInfo(Path.Combine(changed, "etc", "link")).LinkTarget);
            Assert.True(File.Exists(Path.Combine(changed, "etc", ".wh.hosts.allow")));
            var stat = ExternalTools.Run(changed, "stat", "-c", "%F %t,%T %u %g %.9Y", "dev/null", "run/fifo", "var/www/shell.php");
            var lines = stat.Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("character special file 1,3", lines[0][..26]);
            Assert.StartsWith("fifo", lines[1], StringComparison.Ordinal);
            Assert.EndsWith("33 33 1700000000.123456789", lines[2], StringComparison.Ordinal);

            var report = ArchiveKit.Verify(archive);
            Assert.True(report.Ok, string.Join("\n", report.Problems));
            Assert.True(report.CollectionComplete);
        }
    }

    [Fact]
    public async Task The_manifest_keeps_original_bytes_and_metadata_of_every_entry()
    {
        var archive = await SampleAsync(ArchiveFormat.Tar);
        var manifest = ArchiveKit.Manifest(archive);
        var bad = manifest.Single(m => m.GetProperty("path").GetString()!.EndsWith("b%FF%FEd", StringComparison.Ordinal));
        Assert.Equal(Convert.ToBase64String([(byte)'/', (byte)'b', 0xFF, 0xFE, (byte)'d']), bad.GetProperty("source").GetProperty("pathBase64").GetString());

        var shell = manifest.Single(m => m.GetProperty("path").GetString()!.EndsWith("shell.php", StringComparison.Ordinal));
        Assert.Equal("/var/www/shell.php", shell.GetProperty("source").GetProperty("path").GetString());
        Assert.Equal("0644", shell.GetProperty("mode").GetString());
        Assert.Equal(33, shell.GetProperty("uid").GetInt64());
        Assert.Equal("2023-11-14T22:13:20.123456789Z", shell.GetProperty("mtime").GetString());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("<?php system($_GET['c']); ?> EVIDENCE-CONTENT"u8)),
            shell.GetProperty("sha256").GetString());

        var link = manifest.Single(m => m.GetProperty("kind").GetString() == "symlink");
        Assert.Equal("/etc/shadow", link.GetProperty("linkTarget").GetString());
        var wh = manifest.Single(m => m.GetProperty("kind").GetString() == "whiteout");
        Assert.EndsWith(".wh.hosts.allow", wh.GetProperty("memberName").GetString(), StringComparison.Ordinal);
        var dev = manifest.Single(m => m.GetProperty("kind").GetString() == "chardevice");
        Assert.Equal(1, dev.GetProperty("device").GetProperty("major").GetInt32());

        var seal = ArchiveKit.Seal(archive);
        Assert.Equal(manifest.Count, seal.GetProperty("entries").GetInt64());
        Assert.Equal("cfir-evidence/1.1", seal.GetProperty("format").GetString());
    }

    [Fact]
    public async Task A_second_name_of_the_same_inode_is_stored_as_a_hard_link()
    {
        var meta = new EntryMetadata { SourceDevice = 42, Inode = 7, LinkCount = 2 };
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("fs/a", "same bytes", meta), default);
            await w.AddAsync(ArchiveKit.Bytes("fs/b", "same bytes", meta), default);
        });
        var manifest = ArchiveKit.Manifest(archive);
        Assert.Equal("hardlink", manifest[1].GetProperty("kind").GetString());
        Assert.Equal("fs/a", manifest[1].GetProperty("hardLinkTo").GetString());
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("a.tar"), archive);
        Directory.CreateDirectory(dir.Combine("x"));
        Assert.Equal(0, ExternalTools.Run(dir.Combine("x"), "tar", "-xf", "../a.tar").ExitCode);
        var inodes = ExternalTools.Run(dir.Combine("x"), "stat", "-c", "%i", "fs/a", "fs/b").Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(inodes[0], inodes[1]);
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task Past_the_linked_file_limit_a_further_name_is_stored_as_a_copy()
    {
        // One more multiply-linked file than the writer remembers: the first one's second name is
        // a link, the last one's is a whole copy with the same digest (nothing lost, memory bounded).
        static EntryMetadata Linked(int inode) => new() { SourceDevice = 42, Inode = (ulong)inode, LinkCount = 2 };
        int files = EvidenceArchiveWriter.MaxLinkedFiles + 1;
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            for (int i = 0; i < files; i++)
            {
                await w.AddAsync(ArchiveKit.Bytes($"fs/a{i}", $"bytes {i}", Linked(i)), default);
            }
            await w.AddAsync(ArchiveKit.Bytes("fs/b-first", "bytes 0", Linked(0)), default);
            await w.AddAsync(ArchiveKit.Bytes("fs/b-last", $"bytes {files - 1}", Linked(files - 1)), default);
        });
        var manifest = ArchiveKit.Manifest(archive);
        var first = manifest.Single(r => r.GetProperty("path").GetString() == "fs/b-first");
        Assert.Equal("hardlink", first.GetProperty("kind").GetString());
        Assert.Equal("fs/a0", first.GetProperty("hardLinkTo").GetString());
        var last = manifest.Single(r => r.GetProperty("path").GetString() == "fs/b-last");
        Assert.Equal("file", last.GetProperty("kind").GetString());
        Assert.Equal("collected", last.GetProperty("status").GetString());
        Assert.Equal($"bytes {files - 1}", Encoding.UTF8.GetString(ArchiveKit.Member(archive, "fs/b-last")));
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task A_hard_link_record_from_a_collector_becomes_a_link_member_to_its_first_name()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("fs/tmp/a", "linked bytes"), default);
            await w.AddAsync(ArchiveKit.HardLink("fs/tmp/b", "fs/tmp/a", "/tmp/a"), default);
            var orphan = await w.AddAsync(ArchiveKit.HardLink("fs/tmp/c", "fs/tmp/never-collected", "/tmp/never-collected"), default);
            Assert.Equal(EntryStatus.Partial, orphan.Status);
        });
        var manifest = ArchiveKit.Manifest(archive);
        Assert.Equal("fs/tmp/a", manifest[1].GetProperty("hardLinkTo").GetString());
        Assert.True(manifest[1].GetProperty("member").GetBoolean());
        Assert.False(manifest[2].GetProperty("member").GetBoolean());
        Assert.Contains("not in the archive", manifest[2].GetProperty("reason").GetString(), StringComparison.Ordinal);
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("a.tar"), archive);
        Directory.CreateDirectory(dir.Combine("x"));
        Assert.Equal(0, ExternalTools.Run(dir.Combine("x"), "tar", "-xf", "../a.tar").ExitCode);
        Assert.Equal("linked bytes", File.ReadAllText(dir.Combine("x", "fs", "tmp", "b")));
        var inodes = ExternalTools.Run(dir.Combine("x"), "stat", "-c", "%i", "fs/tmp/a", "fs/tmp/b").Text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(inodes[0], inodes[1]);
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task The_same_path_twice_keeps_both_entries()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("x/dup", "first"), default);
            await w.AddAsync(ArchiveKit.Bytes("x/dup", "second"), default);
            // A container may hold a file literally named "other~2": the second "other" takes "~3".
            await w.AddAsync(ArchiveKit.Bytes("x/other~2", "literal"), default);
            await w.AddAsync(ArchiveKit.Bytes("x/other", "first"), default);
            await w.AddAsync(ArchiveKit.Bytes("x/other", "second"), default);
        });
        Assert.Equal("first", Encoding.UTF8.GetString(ArchiveKit.Member(archive, "x/dup")));
        Assert.Equal("second", Encoding.UTF8.GetString(ArchiveKit.Member(archive, "x/dup~2")));
        Assert.Equal("literal", Encoding.UTF8.GetString(ArchiveKit.Member(archive, "x/other~2")));
        Assert.Equal("second", Encoding.UTF8.GetString(ArchiveKit.Member(archive, "x/other~3")));
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task Names_spilled_out_of_memory_still_keep_duplicates_apart_and_hard_links_whole()
    {
        // Two paths in memory at a time: "fs/a" is in a run on disk when its duplicate and its
        // hard link arrive, and "fs/dir" (no content) is not a link target from there either.
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("fs/a", "first"), default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/dir"), Metadata = new EntryMetadata { Kind = EntryKind.Directory } }, default);
            for (int i = 0; i < 6; i++)
            {
                await w.AddAsync(ArchiveKit.Bytes($"fs/filler{i}", "x"), default);
            }
            await w.AddAsync(ArchiveKit.Bytes("fs/a", "second"), default);
            await w.AddAsync(ArchiveKit.HardLink("fs/b", "fs/a", "/a"), default);
            var toDir = await w.AddAsync(ArchiveKit.HardLink("fs/c", "fs/dir", "/dir"), default);
            Assert.Equal(EntryStatus.Partial, toDir.Status);
        }, pathKeysInMemory: 2);
        Assert.Equal("first", Encoding.UTF8.GetString(ArchiveKit.Member(archive, "fs/a")));
        Assert.Equal("second", Encoding.UTF8.GetString(ArchiveKit.Member(archive, "fs/a~2")));
        var manifest = ArchiveKit.Manifest(archive);
        var link = manifest.Single(r => r.GetProperty("path").GetString() == "fs/b");
        Assert.Equal("fs/a", link.GetProperty("hardLinkTo").GetString());
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }

    [Fact]
    public async Task Zip_output_passes_unzip_t_and_verifies()
    {
        var archive = await SampleAsync(ArchiveFormat.Zip);
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.Equal("zip", report.Format);
        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("a.zip"), archive);
        var unzip = ExternalTools.Run(dir.Path, "unzip", "-t", "a.zip");
        Assert.True(unzip.ExitCode == 0, unzip.Text + unzip.StdErr);
        Assert.Contains("No errors detected", unzip.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Aes_zip_is_encrypted_with_the_password()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Zip, async w =>
            await w.AddAsync(ArchiveKit.Bytes("secret/env", "AWS_SECRET_ACCESS_KEY=EVIDENCE-SECRET"), default), password: "correct horse");
        Assert.Equal(-1, archive.AsSpan().IndexOf("EVIDENCE-SECRET"u8));
        using var zip = new ICSharpCode.SharpZipLib.Zip.ZipFile(new MemoryStream(archive)) { Password = "correct horse" };
        var entry = zip.GetEntry("secret/env");
        Assert.Equal(256, entry.AESKeySize);
        using var reader = new StreamReader(zip.GetInputStream(entry));
        Assert.Equal("AWS_SECRET_ACCESS_KEY=EVIDENCE-SECRET", reader.ReadToEnd());

        // verify decrypts it from a file with the password, and fails without or with a wrong one.
        var report = ArchiveVerifier.Verify(new MemoryStream(archive), "correct horse");
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.CollectionComplete);
        Assert.False(ArchiveVerifier.Verify(new MemoryStream(archive), "wrong").Ok);
        Assert.False(ArchiveKit.Verify(archive).Ok);
        // A flipped bit in the encrypted content is found (AES-256 zip carries an HMAC).
        int middle = ArchiveKit.Find(archive, "secret/env") + 40;
        Assert.False(ArchiveVerifier.Verify(new MemoryStream(ArchiveKit.FlipBit(archive, middle)), "correct horse").Ok);
    }
}
