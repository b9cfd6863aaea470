using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Evidence.Tests.Archive;

/// <summary>
/// Partial means evidence that existed could not be captured whole. A file that is not there by
/// design (a container without /etc/hosts) is recorded as <c>absent</c> and leaves the seal
/// complete; one that was there and then could not be read (<c>missing</c>) makes it partial.
/// The writer's seal and verify's re-derivation agree on both.
/// </summary>
public sealed class AbsentEvidenceTests
{
    private static ArchiveEntry NotThere(string path, EntryStatus status) => new()
    {
        Path = ArchivePath.Parse(path),
        Status = status,
        Reason = "not present in the container",
        Errno = 2,
    };

    [Theory]
    [InlineData(ArchiveFormat.Tar)]
    [InlineData(ArchiveFormat.Zip)]
    public async Task An_absent_file_is_recorded_and_the_collection_is_complete(ArchiveFormat format)
    {
        var archive = await ArchiveKit.BuildAsync(format, async w =>
        {
            await w.AddAsync(ArchiveKit.Bytes("containers/containerd/default/c1/volatile/etc/resolv.conf", "nameserver 10.0.0.2\n"), default);
            await w.AddAsync(NotThere("containers/containerd/default/c1/volatile/etc/hosts", EntryStatus.Absent), default);
        });

        var report = ArchiveKit.Verify(archive);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.True(report.CollectionComplete);
        Assert.Equal(1, report.StatusCounts["absent"]);
        if (format == ArchiveFormat.Tar)
        {
            Assert.True(ArchiveKit.Seal(archive).GetProperty("complete").GetBoolean());
            var hosts = Assert.Single(ArchiveKit.Manifest(archive), e => e.GetProperty("path").GetString()!.EndsWith("/etc/hosts", StringComparison.Ordinal));
            Assert.Equal("absent", hosts.GetProperty("status").GetString());
            Assert.False(hosts.GetProperty("member").GetBoolean());
        }
    }

    [Fact]
    public async Task A_file_that_existed_and_could_not_be_read_makes_the_collection_partial()
    {
        var archive = await ArchiveKit.BuildAsync(ArchiveFormat.Tar, async w =>
        {
            await w.AddAsync(NotThere("containers/containerd/default/c1/volatile/etc/hosts", EntryStatus.Absent), default);
            await w.AddAsync(NotThere("containers/containerd/default/c1/fs/tmp/dropper", EntryStatus.Missing), default);
        });

        var report = ArchiveKit.Verify(archive);

        Assert.True(report.Ok, string.Join("\n", report.Problems));
        Assert.False(report.CollectionComplete);
        Assert.False(ArchiveKit.Seal(archive).GetProperty("complete").GetBoolean());
    }
}
