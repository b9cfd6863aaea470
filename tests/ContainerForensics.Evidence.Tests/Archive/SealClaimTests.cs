using System.Text.Json.Nodes;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// The seal's self-hash is unkeyed: anyone can edit the seal and recompute it. What the seal
/// claims about the collection (complete, counts) must therefore agree with the manifest and
/// errors list verify has just read, or verification fails.
/// </summary>
public sealed class SealClaimTests
{
    private static Task<byte[]> PartialAsync(ArchiveFormat format) => ArchiveKit.BuildAsync(format, async w =>
    {
        await w.AddAsync(ArchiveKit.Bytes("containers/docker/-/web_0123/logs/stdout.log", "GET /shell.php?c=id\n"), default);
        await w.AddAsync(new ArchiveEntry { Path = ArchivePath.Parse("containers/docker/-/web_0123/fs/etc/shadow"), Status = EntryStatus.Failed, Reason = "open failed", Errno = 13 }, default);
        w.RecordError(new ErrorRecord { Scope = "engine docker", Message = "GET /events timed out" });
    });

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    public async Task A_reseal_that_changes_nothing_still_verifies(ArchiveFormat format)
    {
        // The forger below is faithful: what fails after an edit fails because of the edit.
        var archive = await PartialAsync(format);
        var report = ArchiveKit.Verify(SealForger.Reseal(archive, format, _ => { }));
        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.False(report.CollectionComplete);
    }

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.TarGz)]
    public async Task A_partial_collection_resealed_as_complete_fails(ArchiveFormat format)
    {
        var archive = await PartialAsync(format);
        var forged = SealForger.Reseal(archive, format, seal => seal["complete"] = true);

        var report = ArchiveKit.Verify(forged);

        Assert.False(report.Ok);
        var problem = Assert.Single(report.Problems);
        Assert.Equal("seal", problem.Kind);
        Assert.Equal(ArchiveNames.Seal.Value, problem.Path);
        Assert.Contains("complete", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("1 failed", problem.Detail, StringComparison.Ordinal);
        Assert.Contains("1 error record", problem.Detail, StringComparison.Ordinal);
        Assert.True(report.SealComplete);
        Assert.False(report.CollectionComplete); // what the user is shown is derived, not the seal's word
    }

    [Fact]
    public async Task A_seal_whose_every_count_is_made_to_agree_with_complete_still_fails()
    {
        var archive = await PartialAsync(ArchiveFormat.Tar);
        var forged = SealForger.Reseal(archive, ArchiveFormat.Tar, seal =>
        {
            seal["complete"] = true;
            seal["errors"] = 0;
            seal["statusCounts"] = new JsonObject { ["collected"] = 2 };
        });

        var report = ArchiveKit.Verify(forged);

        Assert.False(report.Ok);
        Assert.False(report.CollectionComplete);
        Assert.Contains(report.Problems, p => p.Kind == "seal" && p.Detail.Contains("complete", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Kind == "seal" && p.Detail.Contains("statusCounts", StringComparison.Ordinal));
        Assert.Contains(report.Problems, p => p.Kind == "seal" && p.Detail.Contains("errors list has 1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("failed", 0L, "failed: the manifest has 1, the seal says 0")]
    [InlineData("collected", 5L, "collected: the manifest has 1, the seal says 5")]
    [InlineData("missing", 1L, "missing: the manifest has 0, the seal says 1")]
    public async Task A_tampered_status_count_is_named(string status, long count, string expected)
    {
        var archive = await PartialAsync(ArchiveFormat.Tar);
        var forged = SealForger.Reseal(archive, ArchiveFormat.Tar, seal => seal["statusCounts"]![status] = count);

        var report = ArchiveKit.Verify(forged);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("seal", problem.Kind);
        Assert.Contains("statusCounts", problem.Detail, StringComparison.Ordinal);
        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_status_count_that_is_not_a_count_fails()
    {
        var archive = await PartialAsync(ArchiveFormat.Tar);
        var forged = SealForger.Reseal(archive, ArchiveFormat.Tar, seal => seal["statusCounts"] = "all good");

        var report = ArchiveKit.Verify(forged);

        Assert.Contains(report.Problems, p => p.Kind == "seal" && p.Detail.Contains("statusCounts", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("entries", 3L, "the manifest has 2 entries, the seal says 3")]
    [InlineData("errors", 0L, "the errors list has 1 records, the seal says 0")]
    public async Task A_tampered_entry_or_error_count_is_named(string field, long value, string expected)
    {
        var archive = await PartialAsync(ArchiveFormat.Tar);
        var forged = SealForger.Reseal(archive, ArchiveFormat.Tar, seal => seal[field] = value);

        var report = ArchiveKit.Verify(forged);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("seal", problem.Kind);
        Assert.Contains(expected, problem.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_interrupted_run_resealed_as_complete_fails()
    {
        // Nothing failed, but the run was interrupted: only the seal knows, and it cannot also say complete.
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar,
            w => w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{}"), default).AsTask(),
            new SealRequest { Interrupted = true, InterruptionReason = "interrupted by SIGINT" });
        Assert.False(ArchiveKit.Verify(archive).CollectionComplete);
        var forged = SealForger.Reseal(archive, ArchiveFormat.Tar, seal => seal["complete"] = true);

        var report = ArchiveKit.Verify(forged);

        var problem = Assert.Single(report.Problems);
        Assert.Equal("seal", problem.Kind);
        Assert.Contains("interrupted", problem.Detail, StringComparison.Ordinal);
        Assert.False(report.CollectionComplete);
    }

    [Fact]
    public async Task A_complete_collection_is_reported_complete()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, w => w.AddAsync(ArchiveKit.Bytes("acquisition/acquisition.json", "{}"), default).AsTask());

        var report = ArchiveKit.Verify(archive);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.CollectionComplete);
    }
}
