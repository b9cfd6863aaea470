using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// manifest/provenance.jsonld, the CASE/UCO record of the collection: one File observable per
/// content entry, with the sha256 SHA256SUMS gives it. It is written from the SHA256SUMS spool
/// in pieces, so an archive of thousands of files must still give one whole JSON document.
/// </summary>
public sealed class ProvenanceTests
{
    [Fact]
    public async Task Every_content_entry_is_a_file_observable_with_its_sha256_and_the_action_lists_them_all()
    {
        const int Files = 5000; // the graph is some 4 MB: written in many flushes
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            for (int i = 0; i < Files; i++)
            {
                await w.AddAsync(ArchiveKit.Bytes($"fs/d{i / 100:D2}/f{i:D5}", $"content {i}"), default);
            }
            await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("fs/dir"), Metadata = new EntryMetadata { Kind = EntryKind.Directory } }, default);
        }, new SealRequest { Provenance = new Dictionary<string, string?> { ["examiner"] = "J. Doe", ["case"] = "IR-42" } });

        using var doc = JsonDocument.Parse(ArchiveKit.Member(archive, ArchiveNames.Provenance.Value));
        var graph = doc.RootElement.GetProperty("@graph").EnumerateArray().ToList();
        var action = graph.Single(n => n.GetProperty("@id").GetString() == "kb:collection");
        Assert.Equal("case-investigation:InvestigativeAction", action.GetProperty("@type").GetString());
        Assert.Equal("complete", action.GetProperty("uco-action:actionStatus").GetString());
        Assert.Equal("kb:performer", action.GetProperty("uco-action:performer").GetProperty("@id").GetString());
        Assert.Equal("IR-42", graph.Single(n => n.GetProperty("@id").GetString() == "kb:investigation").GetProperty("uco-core:name").GetString());

        var files = graph.Where(n => n.GetProperty("@type").GetString() == "uco-observable:File").ToList();
        static string PathOf(JsonElement file) => file.GetProperty("uco-core:hasFacet")[0].GetProperty("uco-observable:filePath").GetString()!;
        // Every content entry, the directory (no content) not; then the closing records before it.
        Assert.Equal(Files, files.Count(f => PathOf(f).StartsWith("fs/", StringComparison.Ordinal)));
        Assert.DoesNotContain(files, f => PathOf(f) == "fs/dir");
        Assert.Equal(["manifest/errors.jsonl", "manifest/manifest.jsonl"], files.Skip(Files).Select(PathOf).Order(StringComparer.Ordinal));
        Assert.Equal(files.Select(f => f.GetProperty("@id").GetString()),
            action.GetProperty("uco-action:result").EnumerateArray().Select(r => r.GetProperty("@id").GetString()));
        foreach (int i in new[] { 0, 1234, Files - 1 })
        {
            var facets = files.Single(f => PathOf(f) == $"fs/d{i / 100:D2}/f{i:D5}").GetProperty("uco-core:hasFacet");
            Assert.Equal($"f{i:D5}", facets[0].GetProperty("uco-observable:fileName").GetString());
            string sha = facets[1].GetProperty("uco-observable:hash")[0].GetProperty("uco-types:hashValue").GetProperty("@value").GetString()!;
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"content {i}"))), sha);
        }
        Assert.True(ArchiveKit.Verify(archive).Ok);
    }
}
