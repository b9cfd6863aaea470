using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Evidence.Tests.Tar;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// A real directory tree whose paths no extraction tool can create as they are (20 levels of
/// 255-byte names: 5 KB paths; a 255-byte name that escapes to 765 bytes), collected through
/// the real tree collector into a real archive, then extracted by GNU tar or unzip and checked
/// by sha256sum from the extraction root, as docs/evidence-format.md promises.
/// </summary>
public sealed class LongPathTreeTests : IDisposable
{
    private const string DeepContent = "deep evidence";
    private const string HostileContent = "hostile name";
    private static readonly string[] Levels = [.. Enumerable.Range(1, 20).Select(i => $"L{i:D2}" + new string((char)('a' + i), 252))];
    private static readonly string Leaf = "leaf-" + new string('f', 250);
    private static readonly string SecondName = "link-" + new string('h', 250);
    private static readonly string Symlink = "sym-" + new string('s', 251);
    private static readonly string SymlinkTarget = string.Concat(Enumerable.Repeat("x/", 2000));  // 4000 bytes: the kernel allows up to 4095
    private static readonly string Hostile = new('%', 255);  // each '%' escapes to "%25": a 765-byte segment

    private readonly TempDirectory _dir = new();

    private string Tree => _dir.Combine("tree");

    public LongPathTreeTests()
    {
        // Directory.CreateDirectory takes whole paths, and these are past PATH_MAX: bash walks down one relative step at a time.
        var script = new StringBuilder("set -e; mkdir tree; cd -P tree; ");
        script.Append($"mkdir '{Hostile}'; printf '{HostileContent}' > '{Hostile}/inner'; ");
        foreach (string level in Levels)
        {
            script.Append($"mkdir '{level}'; cd -P '{level}'; ");
        }
        script.Append($"printf '{DeepContent}' > '{Leaf}'; ln '{Leaf}' '{SecondName}'; ln -s '{SymlinkTarget}' '{Symlink}'");
        var made = ExternalTools.Run(_dir.Path, "bash", "-c", script.ToString());
        Assert.True(made.ExitCode == 0, Brief(made.StdErr));
    }

    public void Dispose() => _dir.Dispose();

    private async Task<byte[]> CollectAsync(ArchiveFormat format) => await ArchiveKit.BuildAsync(format, async w =>
    {
        var sink = new ScopedEvidenceSink(w, ArchivePath.Of("containers", "docker", "-", "deep_0123456789ab"), "filesystem of docker/deep", "docker", null, TimeProvider.System);
        using var walker = SafeTreeWalker.Open(Encoding.UTF8.GetBytes(Tree));
        var result = await new HostTreeCollector
        {
            Section = EvidenceSection.FilesystemFull,
            RootRawPath = "/"u8.ToArray(),
            Description = "test tree " + Tree,
            Limits = CaptureLimits.None,
        }.CollectAsync(walker, sink, CancellationToken.None);
        Assert.False(result.Broken, result.Failure);
    });

    private static JsonElement RecordFor(List<JsonElement> manifest, string containerPath) =>
        manifest.Single(m => m.GetProperty("source").TryGetProperty("path", out var p) && p.GetString() == containerPath);

    private static string MemberOf(JsonElement record) =>
        record.TryGetProperty("memberName", out var n) ? n.GetString()! : record.GetProperty("path").GetString()!;

    [Fact]
    public async Task Gnu_tar_extracts_a_5_KB_deep_tree_and_sha256sum_checks_it()
    {
        var archive = await CollectAsync(ArchiveFormat.Tar);
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));

        File.WriteAllBytes(_dir.Combine("a.tar"), archive);
        Directory.CreateDirectory(_dir.Combine("x"));
        var tar = ExternalTools.Tar(_dir.Combine("x"), "-xpf", "../a.tar");
        Assert.True(tar.ExitCode == 0 && tar.StdErr.Length == 0, Brief(tar.StdErr));
        var sums = ExternalTools.Run(_dir.Combine("x"), "sha256sum", "-c", "--strict", "SHA256SUMS");
        Assert.True(sums.ExitCode == 0, Brief(sums.StdErr));

        var manifest = ArchiveKit.Manifest(archive);
        string deepPath = "/" + string.Join('/', Levels);
        var leaf = RecordFor(manifest, deepPath + "/" + Leaf);
        // The manifest keeps the whole archive path (escaped, reversible) and the container's bytes; the member is the short name.
        Assert.Equal("containers/docker/-/deep_0123456789ab/filesystem/full" + deepPath + "/" + Leaf, leaf.GetProperty("path").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes(DeepContent))), leaf.GetProperty("sha256").GetString());
        string leafMember = MemberOf(leaf);
        Assert.Equal(DeepContent, File.ReadAllText(Path.Combine(_dir.Combine("x"), leafMember)));

        // The second name is a hard link to the first name's short member: same inode once extracted.
        var second = RecordFor(manifest, deepPath + "/" + SecondName);
        Assert.Equal("hardlink", second.GetProperty("kind").GetString());
        Assert.Equal(leaf.GetProperty("path").GetString(), second.GetProperty("hardLinkTo").GetString());
        var inodes = ExternalTools.RunOk(_dir.Combine("x"), "stat", "-c", "%i", "--", leafMember, MemberOf(second)).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(inodes[0], inodes[1]);

        var symlink = RecordFor(manifest, deepPath + "/" + Symlink);
        Assert.Equal(SymlinkTarget, symlink.GetProperty("linkTarget").GetString());
        Assert.Equal(SymlinkTarget, new FileInfo(Path.Combine(_dir.Combine("x"), MemberOf(symlink))).LinkTarget);

        var hostile = RecordFor(manifest, "/" + Hostile + "/inner");
        Assert.Equal(HostileContent, File.ReadAllText(Path.Combine(_dir.Combine("x"), MemberOf(hostile))));

        // Every directory of the chain has a member, and each member's PAX header says its whole path.
        var deepest = RecordFor(manifest, deepPath);
        Assert.Equal("directory", deepest.GetProperty("kind").GetString());
        Assert.True(Directory.Exists(Path.Combine(_dir.Combine("x"), MemberOf(deepest))));
        var headers = Headers(archive);
        Assert.Equal(leaf.GetProperty("path").GetString(), headers[leafMember].ExtraRecords.Single(r => r.Key == "CFIR.path").Value);
        Assert.All(headers.Keys, name =>
        {
            Assert.True(Encoding.UTF8.GetByteCount(name) <= 3072, $"member name of {Encoding.UTF8.GetByteCount(name)} bytes");
            Assert.All(name.Split('/'), s => Assert.True(Encoding.UTF8.GetByteCount(s) <= 255, $"segment of {Encoding.UTF8.GetByteCount(s)} bytes"));
        });
    }

    [Fact]
    public async Task Unzip_extracts_the_same_tree_as_zip_and_sha256sum_checks_it()
    {
        var archive = await CollectAsync(ArchiveFormat.Zip);
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));

        File.WriteAllBytes(_dir.Combine("a.zip"), archive);
        Directory.CreateDirectory(_dir.Combine("z"));
        var unzip = ExternalTools.Run(_dir.Combine("z"), "unzip", "-q", "../a.zip");
        Assert.True(unzip.ExitCode == 0, Brief(unzip.Text + unzip.StdErr));
        var sums = ExternalTools.Run(_dir.Combine("z"), "sha256sum", "-c", "--strict", "SHA256SUMS");
        Assert.True(sums.ExitCode == 0, Brief(sums.StdErr));
    }

    /// <summary>Tools repeat every 5 KB name in their complaints: the start is enough to see what failed.</summary>
    private static string Brief(string output) => output.Length <= 2000 ? output : output[..2000] + "...";

    private static Dictionary<string, ContainerForensics.Tar.TarHeader> Headers(byte[] tar)
    {
        var headers = new Dictionary<string, ContainerForensics.Tar.TarHeader>(StringComparer.Ordinal);
        using var reader = new ContainerForensics.Tar.PaxTarReader(new MemoryStream(tar));
        while (reader.Next() is { } e)
        {
            headers[Encoding.UTF8.GetString(e.Header.Name)] = e.Header;
        }
        return headers;
    }
}
