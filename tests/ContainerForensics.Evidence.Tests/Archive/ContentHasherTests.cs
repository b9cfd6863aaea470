using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// The writer hashes entry after entry with one <see cref="ContentHasher"/>: each entry's digests
/// must be those of its own bytes, whatever came before it (a failed read, a sparse file, an
/// empty file, sha1 and md5 on request).
/// </summary>
public sealed class ContentHasherTests
{
    [Fact]
    public void Finish_starts_over_and_restart_forgets_what_an_unfinished_content_appended()
    {
        using var hasher = new ContentHasher(ExtraHashes.Sha1 | ExtraHashes.Md5);
        var a = "first content"u8.ToArray();
        var b = "second content"u8.ToArray();
        hasher.Append(a);
        var first = hasher.Finish();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(a)), first.Sha256);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(a)), first.Sha1);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(a)), first.Md5);
        Assert.Equal(0, hasher.Length);

        hasher.Append("left behind by an entry that ended early"u8);
        hasher.Restart();
        hasher.Append(b);
        var second = hasher.Finish();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(b)), second.Sha256);
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(b)), second.Sha1);
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(b)), second.Md5);

        hasher.Restart(); // nothing appended: nothing to forget
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([])), hasher.Finish().Sha256);
    }

    [Fact]
    public async Task Every_entry_of_many_gets_the_digests_of_its_own_bytes()
    {
        const int Files = 3000;
        static byte[] ContentOf(int i) => i % 10 == 0 ? [] : Encoding.UTF8.GetBytes($"file {i} " + new string((char)('a' + (i % 26)), i % 3000));
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.TarGz, async w =>
        {
            for (int i = 0; i < Files; i++)
            {
                await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse($"fs/f{i:D4}"), Content = EvidenceContent.FromBytes(ContentOf(i)) }, default);
                if (i == 1500)
                {
                    // A read error mid-file: the zero-filled block is hashed as stored, and the next entry starts clean.
                    var data = Enumerable.Range(0, 10_000).Select(n => (byte)n).ToArray();
                    await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/bad"), Content = new ScriptedContent(data, failsAt: o => o >= 4096 && o < 8192) }, default);
                }
            }
        }, extraHashes: ExtraHashes.Sha1 | ExtraHashes.Md5);

        var tar = ArchiveKit.Gunzip(archive);
        var manifest = ArchiveKit.Manifest(tar).ToDictionary(e => e.GetProperty("path").GetString()!);
        for (int i = 0; i < Files; i++)
        {
            var e = manifest[$"fs/f{i:D4}"];
            var bytes = ContentOf(i);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), e.GetProperty("sha256").GetString());
            Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(bytes)), e.GetProperty("sha1").GetString());
            Assert.Equal(Convert.ToHexStringLower(MD5.HashData(bytes)), e.GetProperty("md5").GetString());
        }
        var bad = manifest["fs/bad"];
        Assert.Equal("partial", bad.GetProperty("status").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(ArchiveKit.Member(tar, "fs/bad"))), bad.GetProperty("sha256").GetString());
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }
}
