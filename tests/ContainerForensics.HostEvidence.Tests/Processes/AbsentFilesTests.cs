using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Evidence;
using ContainerForensics.Evidence.Output;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Processes;

/// <summary>
/// A container whose root has no /etc/hosts, /etc/hostname or /etc/resolv.conf (a plain
/// containerd container of an image without them) is collected complete: the files are
/// recorded <c>absent</c>. One whose /etc/hosts is there and cannot be read is partial. Each
/// "container" is a real process chrooted into a directory holding only busybox, in its own
/// pid and network namespaces, collected through the runner into the real archive writer.
/// </summary>
public sealed class AbsentFilesTests : IDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cfir-absent-");

    public void Dispose() => _dir.Delete(recursive: true);

    [Fact]
    public async Task Name_resolution_files_an_image_does_not_have_are_absent_and_the_run_is_complete()
    {
        var (seal, entries) = await CollectAsync("sleep", "6004", root => { });

        Assert.All(entries.Where(e => e.Path.Contains("/volatile/etc/", StringComparison.Ordinal)), e => Assert.Equal(EntryStatus.Absent, e.Status));
        Assert.Equal(3, entries.Count(e => e.Path.Contains("/volatile/etc/", StringComparison.Ordinal)));
        Assert.True(seal.Complete, string.Join("\n", seal.FirstFailures));
    }

    [Fact]
    public async Task A_name_resolution_file_that_is_there_and_cannot_be_read_makes_the_run_partial()
    {
        // A symlink to itself: it is there, and following it fails (ELOOP), so nothing is read.
        var (seal, entries) = await CollectAsync("sleep", "6005", root => File.CreateSymbolicLink(Path.Join(root, "etc", "hosts"), "hosts"));

        Assert.Equal(EntryStatus.Failed, Assert.Single(entries, e => e.Path.EndsWith("/volatile/etc/hosts", StringComparison.Ordinal)).Status);
        Assert.False(seal.Complete);
    }

    private async Task<(SealResult Seal, List<(string Path, EntryStatus Status)> Entries)> CollectAsync(string program, string argument, Action<string> plant)
    {
        string root = Path.Join(_dir.FullName, "root-" + argument);
        Directory.CreateDirectory(Path.Join(root, "bin"));
        Directory.CreateDirectory(Path.Join(root, "etc"));
        File.Copy("/bin/busybox", Path.Join(root, "bin", "busybox"));
        plant(root);
        using var container = await PidNamespaceProcess.StartAsync(["--net"], ["chroot", root, "/bin/busybox", program, argument], ["/bin/busybox", program, argument]);
        var runtime = new FakeRuntime(RuntimeLocality.ThisHost("test: cfir's own namespaces"), FakeRuntime.Running("cfir-test-absent-" + argument, container.HostPid));
        var entries = new List<(string, EntryStatus)>();
        await using var writer = EvidenceArchiveWriter.Create(ArchiveOutput.ToFile(Path.Join(_dir.FullName, argument + ".tar")), new EvidenceArchiveOptions { Format = ArchiveFormat.Tar, ToolVersion = "test" });
        var recording = new ListingWriter(writer, entries);

        await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None, [new HostProcessCollector()])
            .RunAsync([runtime], new CollectionOptions { Filesystem = FilesystemMode.None }, recording, CancellationToken.None);
        return (await writer.SealAsync(new SealRequest(), CancellationToken.None), entries);
    }

    /// <summary>The real writer, and a list of what passed through it.</summary>
    private sealed class ListingWriter(IArchiveWriter inner, List<(string, EntryStatus)> entries) : IArchiveWriter
    {
        public async ValueTask<EntryResult> AddAsync(ArchiveEntry entry, CancellationToken cancellationToken)
        {
            var result = await inner.AddAsync(entry, cancellationToken);
            entries.Add((entry.Path.Value, result.Status));
            return result;
        }

        public void RecordError(ErrorRecord error) => inner.RecordError(error);

        public IEvidenceSpool CreateSpool(string name) => inner.CreateSpool(name);

        public ValueTask<SealResult> SealAsync(SealRequest request, CancellationToken cancellationToken) => inner.SealAsync(request, cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
