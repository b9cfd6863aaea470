using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Evidence.Tests.Archive;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.Tar;

namespace ContainerForensics.Evidence.Tests.Reading;

/// <summary>
/// Records the writer would never write, in archives made by hand: the reader reports each
/// problem, naming the line and the field, and goes on reading.
/// </summary>
public sealed class ReaderProblemTests
{
    private const string Valid = "{\"path\":\"fs/a\",\"kind\":\"file\",\"status\":\"collected\",\"member\":false,\"collectedAt\":\"2026-11-22T02:06:07.123456789Z\"";

    [Fact]
    public void A_field_of_the_wrong_type_is_a_problem_naming_the_field_and_the_line()
    {
        string manifest =
            Valid + ",\"future\":{\"added\":[1,2]}}\n" +                     // an unknown field: tolerated
            Valid + ",\"size\":\"12\"}\n" +                                   // a number as text
            Valid + ",\"source\":{\"containerId\":5}}\n" +                    // inside an object
            "[1,2]\n";                                                        // not an object at all
        string errors = "{\"scope\":\"run\",\"message\":\"interrupted\",\"errno\":\"EIO\"}\n";
        var tar = TarOf(("manifest/manifest.jsonl", manifest), ("manifest/errors.jsonl", errors));

        var (lines, errorLines, problems) = ReadAll(tar);

        Assert.Equal([1L, 2L, 3L], lines.Select(l => l.Line));
        Assert.All(lines, l => Assert.Equal("fs/a", l.Path));
        Assert.Null(lines[1].Size);
        var size = Assert.Single(problems, p => p.Field == "size");
        Assert.Equal(("manifest", ArchiveNames.Manifest.Value, 2L), (size.Kind, size.Path, size.Line!.Value));
        Assert.Equal("line 2: 'size' is a string, not a whole number", size.Detail);
        var containerId = Assert.Single(problems, p => p.Field == "source.containerId");
        Assert.Equal(3, containerId.Line);
        Assert.Contains("'source.containerId' is the number 5, not a string", containerId.Detail, StringComparison.Ordinal);
        var notObject = Assert.Single(problems, p => p.Line == 4);
        Assert.Equal("line 4 cannot be read: it is an array, not a JSON object", notObject.Detail);
        var errno = Assert.Single(problems, p => p.Path == ArchiveNames.Errors.Value);
        Assert.Equal(("errno", 1L), (errno.Field, errno.Line!.Value));
        Assert.Equal("interrupted", Assert.Single(errorLines).Message);
        Assert.Equal(4, problems.Count);

        // verify reports what the reader found, in its words.
        var report = ArchiveVerifier.Verify(new MemoryStream(tar));
        Assert.Contains(report.Problems, p => p.Kind == "manifest" && p.Path == ArchiveNames.Manifest.Value && p.Detail == size.Detail);
        Assert.Equal(4, report.ManifestEntries);
        Assert.Equal(1, report.ErrorRecords);
    }

    [Fact]
    public void A_missing_field_the_format_requires_is_a_problem()
    {
        var tar = TarOf(("manifest/manifest.jsonl", "{\"path\":\"fs/a\",\"kind\":\"file\",\"member\":false,\"collectedAt\":\"2026-11-22T02:06:07.123456789Z\"}\n"));

        var (lines, _, problems) = ReadAll(tar);

        Assert.Null(Assert.Single(lines).Status);
        var problem = Assert.Single(problems);
        Assert.Equal(("status", "line 1: 'status' is missing"), (problem.Field, problem.Detail));
    }

    [Fact]
    public void A_line_over_the_cap_is_a_problem_and_is_not_held()
    {
        var manifest = new MemoryStream();
        manifest.Write(Encoding.ASCII.GetBytes(new string('x', LineParser.MaxLine + 1)));
        manifest.Write("\n"u8);
        manifest.Write(Encoding.UTF8.GetBytes(Valid + "}\n"));
        var tar = TarOf(("manifest/manifest.jsonl", manifest.ToArray()));

        var (lines, _, problems) = ReadAll(tar);

        var problem = Assert.Single(problems);
        Assert.Equal(1, problem.Line);
        Assert.Equal($"line 1 is longer than {LineParser.MaxLine} bytes: not read", problem.Detail);
        Assert.Equal(2, Assert.Single(lines).Line); // the next line is read, and numbered as the second
    }

    [Fact]
    public void A_seal_field_of_the_wrong_type_is_a_seal_problem()
    {
        var tar = TarOf((ArchiveNames.Seal.Value, "{\"format\":\"cfir-evidence/1.0\",\"complete\":\"yes\"}"));

        using var reader = new EvidenceArchiveReader(new MemoryStream(tar));
        while (reader.MoveNext())
        {
        }

        Assert.Null(reader.Seal!.Complete);
        var complete = Assert.Single(reader.Problems, p => p.Field == SealFields.Complete);
        Assert.Equal(("seal", "'complete' is a string, not true or false"), (complete.Kind, complete.Detail));
        Assert.Contains(reader.Problems, p => p.Field == SealFields.SealedBytes && p.Detail == "'sealedBytes' is missing");
    }

    [Fact]
    public void An_archive_without_a_seal_is_read_to_its_end_with_no_seal()
    {
        var tar = TarOf((EvidenceLayout.AcquisitionRecord.Value, "{\"format\":\"cfir-evidence/1.0\",\"case\":\"C-1\"}"),
            ("manifest/manifest.jsonl", Valid + "}\n" + Valid + "}\n"));
        string file = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(file, tar);

            var records = EvidenceArchiveReader.ReadRecords(file);

            Assert.Null(records.Seal);
            Assert.Equal("C-1", records.Acquisition!.Case);
            Assert.Equal((2L, 0L), (records.ManifestLines, records.ErrorLines));
            Assert.Empty(records.Problems);
            Assert.Equal(2, EvidenceArchiveReader.ReadManifest(file).Count());
            Assert.Contains(ArchiveVerifier.Verify(new MemoryStream(tar)).Problems, p => p.Kind == "missing" && p.Path == ArchiveNames.Seal.Value);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public async Task The_manifest_of_an_archive_on_disk_is_streamed_line_by_line()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.TarGz, async w =>
        {
            for (int i = 0; i < 500; i++)
            {
                await w.AddAsync(ArchiveKit.Bytes($"logs/{i}", $"line {i}\n"), default);
            }
        });
        string file = Path.GetTempFileName();
        try
        {
            await File.WriteAllBytesAsync(file, archive);

            var lines = EvidenceArchiveReader.ReadManifest(file).ToList();

            Assert.Equal(Enumerable.Range(0, 500).Select(i => $"logs/{i}"), lines.Select(l => l.Path));
            Assert.Equal(Enumerable.Range(1, 500).Select(i => (long)i), lines.Select(l => l.Line));
            Assert.Equal("logs/0", EvidenceArchiveReader.ReadManifest(file).First().Path); // stopping early is fine
            var records = EvidenceArchiveReader.ReadRecords(file);
            Assert.Equal(500, records.Seal!.Entries);
            Assert.Equal(500, records.ManifestLines);
            Assert.Empty(records.Problems);
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static (List<ManifestLine> Lines, List<ErrorLine> Errors, List<ReaderProblem> Problems) ReadAll(byte[] archive)
    {
        var lines = new List<ManifestLine>();
        var errors = new List<ErrorLine>();
        var problems = new List<ReaderProblem>();
        using var reader = new EvidenceArchiveReader(new MemoryStream(archive),
            new ArchiveReaderOptions { OnManifestLine = lines.Add, OnErrorLine = errors.Add, OnProblem = problems.Add });
        while (reader.MoveNext())
        {
        }
        return (lines, errors, problems);
    }

    private static byte[] TarOf(params (string Name, string Content)[] members) =>
        TarOf(members.Select(m => (m.Name, Encoding.UTF8.GetBytes(m.Content))).ToArray());

    /// <summary>A plain tar of the given members, none of the archive's hashes or seal: the reader does not need them.</summary>
    private static byte[] TarOf(params (string Name, byte[] Content)[] members)
    {
        var output = new MemoryStream();
        using (var tar = new PaxTarWriter(output, leaveOpen: true))
        {
            foreach (var (name, content) in members)
            {
                tar.BeginEntry(new TarHeader { Name = Encoding.UTF8.GetBytes(name), Size = content.Length, ModifiedTime = new UnixTime(1_764_000_000, 0) });
                tar.WriteData(content);
                tar.EndEntry();
            }
            tar.Finish();
        }
        return output.ToArray();
    }
}
