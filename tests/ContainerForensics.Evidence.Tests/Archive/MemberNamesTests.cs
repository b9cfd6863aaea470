using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Tests.Tar;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// The member-name rule for paths the extraction tools cannot create (PATH_MAX, NAME_MAX): what
/// is kept, what is shortened, and that short names never collide; then the writer's own
/// additions ("~2", ".wh.", hard links, symlink targets) through GNU tar.
/// </summary>
public sealed class MemberNamesTests
{
    /// <summary>A path of exactly <paramref name="bytes"/> ASCII bytes in segments of at most 255.</summary>
    private static string PathOf(int bytes, char fill = 'a')
    {
        var sb = new StringBuilder("c");
        while (sb.Length < bytes)
        {
            int segment = Math.Min(MemberNames.MaxSegmentBytes, bytes - sb.Length - 1);
            sb.Append('/').Append(fill, Math.Max(segment, 1));
        }
        Assert.Equal(bytes, sb.Length);
        return sb.ToString();
    }

    private static void AssertExtractable(string member)
    {
        Assert.True(MemberNames.Fits(member), member);
        Assert.True(Encoding.UTF8.GetByteCount(member) <= MemberNames.MaxNameBytes);
        Assert.All(member.Split('/'), s => Assert.InRange(Encoding.UTF8.GetByteCount(s), 1, MemberNames.MaxSegmentBytes));
    }

    [Fact]
    public void A_path_of_exactly_the_limit_is_kept_and_one_byte_more_is_shortened()
    {
        var atLimit = ArchivePath.Parse(PathOf(MemberNames.MaxNameBytes));
        Assert.Same(atLimit, MemberNames.For(atLimit));

        var over = ArchivePath.Parse(PathOf(MemberNames.MaxNameBytes + 1));
        var member = MemberNames.For(over);
        Assert.NotEqual(over.Value, member.Value);
        AssertExtractable(member.Value);
        Assert.Contains("/" + MemberNames.LongFolder + "/" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(over.Value))) + "-", member.Value, StringComparison.Ordinal);
    }

    [Fact]
    public void A_segment_of_exactly_255_bytes_is_kept_and_256_is_shortened()
    {
        var kept = ArchivePath.Parse("fs/" + new string('n', 255));
        Assert.Same(kept, MemberNames.For(kept));
        // Two bytes a character: 127 'é' and an 'x' are 255 bytes; one more 'é' is 256.
        var keptUtf8 = ArchivePath.Parse("fs/" + new string('é', 127) + "x");
        Assert.Same(keptUtf8, MemberNames.For(keptUtf8));

        var over = ArchivePath.Parse("fs/" + new string('é', 128) + "/child");
        var member = MemberNames.For(over).Value;
        Assert.StartsWith("fs/" + MemberNames.LongFolder + "/", member, StringComparison.Ordinal);
        Assert.EndsWith("-child", member, StringComparison.Ordinal);
        AssertExtractable(member);
    }

    [Fact]
    public void A_hostile_255_byte_name_whose_escaped_segment_is_765_bytes_gets_a_short_name_cut_between_characters()
    {
        var path = ArchivePath.Parse("containers/docker/-/web_0123456789ab/filesystem/full").AppendRaw(Encoding.UTF8.GetBytes(new string('%', 255)));
        Assert.Equal(765, path.Value.Split('/')[^1].Length);
        var member = MemberNames.For(path).Value;
        AssertExtractable(member);
        Assert.StartsWith("containers/docker/-/web_0123456789ab/filesystem/full/%long/", member, StringComparison.Ordinal);

        var multibyte = ArchivePath.Parse("fs").AppendRaw(Encoding.UTF8.GetBytes(new string('€', 100)));  // 300 bytes, 3 a character
        string leaf = MemberNames.For(multibyte).Value.Split('/')[^1];
        Assert.Equal(new string('€', MemberNames.LeafBytes / 3), leaf[65..]);  // 64 hex digits, '-', then whole characters only
    }

    [Fact]
    public void Two_long_paths_that_share_everything_the_short_name_keeps_still_get_different_names()
    {
        // Equal for 4,000 bytes, the same first 200 bytes of the last segment: the readable part of both short names is the same.
        string common = PathOf(4000);
        var a = ArchivePath.Parse(common + "/" + new string('z', 200) + "-a");
        var b = ArchivePath.Parse(common + "/" + new string('z', 200) + "-b");
        string ma = MemberNames.For(a).Value;
        string mb = MemberNames.For(b).Value;
        Assert.NotEqual(ma, mb);
        AssertExtractable(ma);
        AssertExtractable(mb);
        Assert.Equal(ma[..ma.LastIndexOf('/')], mb[..mb.LastIndexOf('/')]);  // side by side in one folder
        Assert.Equal(ma, MemberNames.For(ArchivePath.Parse(a.Value)).Value);  // the same path always gets the same name

        // The readable prefix is whole leading segments, at most PrefixBytes, ending with the folder.
        string prefix = ma[..ma.IndexOf("/" + MemberNames.LongFolder + "/", StringComparison.Ordinal)];
        Assert.StartsWith(prefix + "/", common, StringComparison.Ordinal);
        Assert.InRange(prefix.Length, MemberNames.PrefixBytes - MemberNames.MaxSegmentBytes, MemberNames.PrefixBytes);
    }

    [Fact]
    public async Task Whiteouts_names_used_twice_hard_links_and_symlink_targets_past_the_limits_extract_with_gnu_tar()
    {
        var deep = ArchivePath.Parse("containers/docker/-/web_0123456789ab/filesystem/changed").AppendRaw(Encoding.ASCII.GetBytes(PathOf(3100, 'd')));
        var name255 = ArchivePath.Parse("containers/docker/-/web_0123456789ab/filesystem/changed/etc").AppendRaw(Encoding.ASCII.GetBytes(new string('w', 255)));
        byte[] target = [.. Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("../", 1700))), 0xFF];  // 5,101 bytes, not UTF-8
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(new ArchiveEntry { Path = deep, Content = EvidenceContent.FromBytes("first"u8.ToArray()) }, default);
            await w.AddAsync(new ArchiveEntry { Path = deep, Content = EvidenceContent.FromBytes("second"u8.ToArray()) }, default);  // stored as "~2"
            await w.AddAsync(ArchiveKit.HardLink(deep.Value + "-link", deep.Value, "/the/first/name"), default);
            await w.AddAsync(new ArchiveEntry { Path = name255, Metadata = new EntryMetadata { Kind = EntryKind.Whiteout } }, default);  // ".wh." makes it 259 bytes
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("containers/docker/-/web_0123456789ab/filesystem/changed/sym"), Metadata = new EntryMetadata { Kind = EntryKind.Symlink, LinkTarget = target } }, default);
        });
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));

        using var dir = new TempDirectory();
        File.WriteAllBytes(dir.Combine("a.tar"), archive);
        Directory.CreateDirectory(dir.Combine("x"));
        ExternalTools.TarOk(dir.Combine("x"), "-xpf", "../a.tar");
        var sums = ExternalTools.Run(dir.Combine("x"), "sha256sum", "-c", "--strict", "SHA256SUMS");
        Assert.True(sums.ExitCode == 0, sums.StdErr);

        var manifest = ArchiveKit.Manifest(archive);
        string Member(int i) => manifest[i].GetProperty("memberName").GetString()!;
        Assert.Equal(deep.Value, manifest[0].GetProperty("path").GetString());
        Assert.Equal(deep.Value + "~2", manifest[1].GetProperty("path").GetString());
        Assert.NotEqual(Member(0), Member(1));
        Assert.Equal("first", File.ReadAllText(Path.Combine(dir.Combine("x"), Member(0))));
        Assert.Equal("second", File.ReadAllText(Path.Combine(dir.Combine("x"), Member(1))));

        Assert.Equal(deep.Value, manifest[2].GetProperty("hardLinkTo").GetString());
        var inodes = ExternalTools.RunOk(dir.Combine("x"), "stat", "-c", "%i", "--", Member(0), Member(2)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(inodes[0], inodes[1]);

        Assert.Equal(name255.Value, manifest[3].GetProperty("path").GetString());
        Assert.EndsWith("-.wh." + new string('w', MemberNames.LeafBytes - 4), Member(3), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.Combine("x"), Member(3))));

        // The target symlink(2) refuses is replaced by one that resolves nowhere; the whole target is in the manifest and the PAX header.
        Assert.Equal(Convert.ToBase64String(target), manifest[4].GetProperty("linkTargetBase64").GetString());
        string stored = new FileInfo(Path.Combine(dir.Combine("x"), manifest[4].GetProperty("path").GetString()!)).LinkTarget!;
        Assert.Equal("%long-target-" + Convert.ToHexStringLower(SHA256.HashData(target)), stored);
        var header = Header(archive, manifest[4].GetProperty("path").GetString()!);
        Assert.Equal(Convert.ToBase64String(target), header.ExtraRecords.Single(r => r.Key == MemberNames.LinkPathRecord).Value);
        Assert.Equal(deep.Value, Header(archive, Member(0)).ExtraRecords.Single(r => r.Key == MemberNames.PathRecord).Value);
    }

    private static TarHeader Header(byte[] tar, string name)
    {
        using var reader = new PaxTarReader(new MemoryStream(tar));
        while (reader.Next() is { } e)
        {
            if (Encoding.UTF8.GetString(e.Header.Name) == name)
            {
                return e.Header;
            }
        }
        throw new InvalidOperationException($"no member {name}");
    }
}
