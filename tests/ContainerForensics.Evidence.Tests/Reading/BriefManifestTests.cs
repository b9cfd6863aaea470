using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Archive;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>
/// The brief manifest reading (what a triage reads: path, kind, status, member, mode, size,
/// sha256, mtime) gives those fields exactly as the full reading does, on lines the writer
/// wrote and on lines it never would.
/// </summary>
public sealed class BriefManifestTests
{
    [Fact]
    public async Task Brief_lines_of_a_written_archive_are_the_full_lines_projected()
    {
        var mtime = UnixTime.FromDateTimeOffset(new DateTimeOffset(2026, 12, 7, 15, 10, 42, TimeSpan.Zero).AddTicks(1234567));
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.TarGz, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("fs/etc/passwd", "root:x:0:0:root:/root:/bin/sh\n",
                new EntryMetadata { Mode = 0b100_111_101_101 /* 4755 */, Uid = 0, Gid = 0, Size = 31, ModifiedTime = mtime, AccessTime = mtime, ChangeTime = mtime }), default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/d\u00e9j\u00e0 vu \"q\""), Metadata = new EntryMetadata { Kind = EntryKind.Directory, Mode = 0b111_101_101 } }, default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/shadow"), Status = EntryStatus.Failed, Reason = "open failed", Errno = 13 }, default);
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/gone"), Metadata = new EntryMetadata { Kind = EntryKind.Whiteout } }, default);
        });

        var full = Lines(archive, brief: false);
        var brief = Lines(archive, brief: true);

        Assert.Equal(full.Count, brief.Count);
        Assert.True(full.Count >= 4);
        Assert.Equal(full.Select(Projected), brief);
        var passwd = Assert.Single(brief, l => l.Path == "fs/etc/passwd");
        Assert.Equal((uint)0b100_111_101_101, passwd.Mode);
        Assert.Equal(mtime, passwd.ModifiedTime);
        Assert.NotNull(passwd.Sha256);
        Assert.Contains(brief, l => l.Path == "fs/d\u00e9j\u00e0 vu \"q\"" && l.Kind == "directory");
    }

    [Fact]
    public void Other_fields_nested_values_and_wrong_types_are_skipped_not_misread()
    {
        string json = """
            {"source":{"path":"/not/this","kind":"nor this","sha256":"x"},"xattrs":{"user.a":"AAE="},"sparse":[{"offset":0,"length":1},[1,[2]]],
             "path":"fs/a\u0062c","kind":"file","status":"collected","member":true,"mode":493,"size":"12","sha256":"ab","mtime":"not a time","pa\u0074h":"escaped name"}
            """;
        var problems = new List<string>();
        var line = ManifestLine.ParseBrief(Encoding.UTF8.GetBytes(json), 7, problems.Add)!;
        Assert.Empty(problems);
        Assert.Equal(7, line.Line);
        Assert.Equal("fs/abc", line.Path); // an escaped value is decoded; an escaped name is nobody's field
        Assert.Equal("file", line.Kind);
        Assert.Equal("collected", line.Status);
        Assert.True(line.Member);
        Assert.Equal("ab", line.Sha256);
        Assert.Null(line.Mode);  // a number, not the octal text
        Assert.Null(line.Size);  // a string, not a number
        Assert.Null(line.ModifiedTime);
        Assert.Null(line.Source);
        Assert.Null(line.Xattrs);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("\"path\"")]
    [InlineData("{\"path\":\"fs/a\",")]
    [InlineData("{\"path\":\"fs/a\" \"kind\":\"file\"}")]
    [InlineData("")]
    public void A_line_that_is_not_a_json_object_is_unreadable(string json)
    {
        var problems = new List<string>();
        Assert.Null(ManifestLine.ParseBrief(Encoding.UTF8.GetBytes(json), 1, problems.Add));
        Assert.Single(problems);
    }

    private static ManifestLine Projected(ManifestLine l) => new()
    {
        Line = l.Line,
        Path = l.Path,
        Kind = l.Kind,
        Status = l.Status,
        Member = l.Member,
        MemberName = l.MemberName,
        Mode = l.Mode,
        Size = l.Size,
        Sha256 = l.Sha256,
        ModifiedTime = l.ModifiedTime,
    };

    private static List<ManifestLine> Lines(byte[] archive, bool brief)
    {
        var lines = new List<ManifestLine>();
        var problems = new List<ReaderProblem>();
        using var reader = new EvidenceArchiveReader(new MemoryStream(archive), new ArchiveReaderOptions
        {
            BriefManifest = brief,
            OnManifestLine = lines.Add,
            OnProblem = problems.Add,
        });
        while (reader.MoveNext())
        {
        }
        Assert.Empty(problems);
        return lines;
    }
}
