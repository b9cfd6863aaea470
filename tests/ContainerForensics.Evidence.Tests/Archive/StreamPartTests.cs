using System.Security.Cryptography;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.Evidence.Tests.Tar;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// With spools in memory (<c>-o -</c>: nothing written on the host) a stream of unknown length
/// longer than one part is stored as consecutive members; nothing of it is lost and each part
/// checks with plain tools.
/// </summary>
public sealed class StreamPartTests
{
    private const int Part = EvidenceArchiveWriter.InMemoryStreamPart;

    [Fact]
    public async Task A_stream_longer_than_the_in_memory_spool_is_stored_in_parts_that_join_to_the_whole()
    {
        var data = new byte[(2 * Part) + 12_345];
        new Random(3).NextBytes(data);
        EntryResult? result = null;
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
            result = await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("logs/stdout"), Content = EvidenceContent.FromStream(new MemoryStream(data)) }, default));

        Assert.Equal("logs/stdout", result!.Path.Value);
        byte[][] parts = [ArchiveKit.Member(archive, "logs/stdout"), ArchiveKit.Member(archive, "logs/stdout.part-2"), ArchiveKit.Member(archive, "logs/stdout.part-3")];
        Assert.Equal([Part, Part, 12_345], parts.Select(p => p.Length));
        Assert.Equal(data, parts.SelectMany(p => p).ToArray());

        var records = ArchiveKit.Manifest(archive).Where(r => r.GetProperty("path").GetString()!.StartsWith("logs/stdout", StringComparison.Ordinal)).ToList();
        Assert.Equal(3, records.Count);
        Assert.All(records, r => Assert.Equal("collected", r.GetProperty("status").GetString()));
        var last = records[2].GetProperty("streamPart");
        Assert.Equal("logs/stdout.part-2", records[0].GetProperty("streamPart").GetProperty("next").GetString());
        Assert.Equal(3, last.GetProperty("number").GetInt32());
        Assert.Equal("logs/stdout", last.GetProperty("first").GetString());
        Assert.False(last.TryGetProperty("next", out _));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(data)), last.GetProperty("wholeSha256").GetString());
        Assert.Equal(data.Length, last.GetProperty("wholeSize").GetInt64());
        Assert.True(ArchiveKit.Seal(archive).GetProperty("complete").GetBoolean());
        var report = ArchiveKit.Verify(archive);
        Assert.True(report.Ok, string.Join("\n", report.Problems));
    }

    [Fact]
    public async Task With_a_spool_directory_the_same_stream_is_one_member_and_the_directory_stays_empty()
    {
        using var dir = new TempDirectory();
        var data = new byte[Part + 1];
        new Random(4).NextBytes(data);
        var buffer = new MemoryStream();
        await using (var writer = EvidenceArchiveWriter.Create(ArchiveOutput.ToStdout(buffer),
                         new EvidenceArchiveOptions { Format = ArchiveFormat.Tar, SpoolDirectory = dir.Path }))
        {
            await writer.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("logs/stdout"), Content = EvidenceContent.FromStream(new MemoryStream(data)) }, default);
            Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path)); // its spools have no name
            await writer.SealAsync(new SealRequest(), CancellationToken.None);
        }
        var archive = buffer.ToArray();
        Assert.Equal(data, ArchiveKit.Member(archive, "logs/stdout"));
        var record = Assert.Single(ArchiveKit.Manifest(archive), r => r.GetProperty("path").GetString() == "logs/stdout");
        Assert.False(record.TryGetProperty("streamPart", out _));
        Assert.DoesNotContain(ArchiveKit.Manifest(archive), r => r.GetProperty("path").GetString()!.Contains(".part-", StringComparison.Ordinal));
        Assert.Empty(Directory.EnumerateFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task An_in_memory_spool_past_its_budget_ends_the_run_as_an_output_error_that_says_what_to_do()
    {
        var buffer = new MemoryStream();
        await using var writer = EvidenceArchiveWriter.Create(ArchiveOutput.ToStdout(buffer),
            new EvidenceArchiveOptions { Format = ArchiveFormat.Tar, SpoolMemoryBudget = 4L << 20 });
        await writer.AddAsync(ArchiveKit.Bytes("small", "fits"), default);
        var full = await Assert.ThrowsAsync<Core.ArchiveOutputException>(async () =>
            await writer.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("logs/big"), Content = EvidenceContent.FromStream(new MemoryStream(new byte[5 << 20])) }, default));
        Assert.Equal(Core.ExitCode.OutputError, full.ExitCode);
        Assert.Contains("--spool-dir", full.Message, StringComparison.Ordinal);
    }
}
