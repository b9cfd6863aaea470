using System.Diagnostics;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Offline;

/// <summary>
/// A disk image is the attacker's: a data root whose pieces are links to this host, FIFOs,
/// truncated or huge records, ids and layer links that try to climb out. Each gives a record
/// (a remnant with why, a problem, a refused layer), nothing leads out of the image, nothing hangs.
/// </summary>
public sealed class HostileDataRootTests : IDisposable
{
    private readonly FakeDataRoot _root = new();

    public void Dispose() => _root.Dispose();

    [Fact]
    public async Task The_intact_data_root_lists_its_container_and_merges_its_layers()
    {
        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var runtime = Assert.Single(probes).Runtime!;
            var container = Assert.Single(await runtime.ListContainersAsync(CancellationToken.None));
            Assert.Equal((FakeDataRoot.Id, "web", "busybox:latest", "running"), (container.Id, container.Name, container.Image, container.State));
            Assert.Equal("web", container.Labels["app"]);
            Assert.Equal(LocalityKind.DiskImage, runtime.Descriptor.Locality.Kind);

            var sink = await FakeDataRoot.CollectAllAsync(runtime);
            Assert.Empty(sink.ErrorTexts);
            Assert.Equal(["/bin", "/bin/busybox", "/etc", "/etc/hosts", "/etc/passwd", "/tmp", "/tmp/planted"],
                sink.In(EvidenceSection.FilesystemFull).Select(i => i.Path!).ToList());
            Assert.Equal("BUSYBOX", FakeDataRoot.Text(sink.Single(EvidenceSection.FilesystemFull, "/bin/busybox")));
            Assert.Contains("hello", sink[$"files/{FakeDataRoot.Id}-json.log"].Text, StringComparison.Ordinal);
            Assert.Equal("web\n", sink["files/hostname"].Text);
            Assert.Equal(EntryStatus.Skipped, sink["top.json"].Status);
        }
    }

    [Fact]
    public async Task A_data_root_that_is_a_link_to_a_host_path_is_resolved_inside_the_image()
    {
        // The same absolute path exists on this host, holding a data root with a container: not it.
        using var host = new FakeDataRoot();
        string hostDataRoot = host.Path("");
        Directory.Delete(_root.Path(""), recursive: true);
        File.CreateSymbolicLink(_root.Path("").TrimEnd('/'), hostDataRoot);

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var probe = Assert.Single(probes);
            Assert.Null(probe.Runtime);
            Assert.Contains("ENOENT", probe.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_fifo_or_a_host_link_as_the_record_is_a_remnant_with_why_and_nothing_is_opened()
    {
        File.Delete(_root.Path($"containers/{FakeDataRoot.Id}/config.v2.json"));
        using (var mkfifo = Process.Start("mkfifo", [_root.Path($"containers/{FakeDataRoot.Id}/config.v2.json")])!)
        {
            await mkfifo.WaitForExitAsync();
            Assert.Equal(0, mkfifo.ExitCode);
        }
        File.Delete(_root.Path($"containers/{FakeDataRoot.Id}/hostconfig.json"));
        File.CreateSymbolicLink(_root.Path($"containers/{FakeDataRoot.Id}/hostconfig.json"), "/etc/passwd");

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var runtime = Assert.Single(probes).Runtime!;
            var container = Assert.Single(await runtime.ListContainersAsync(CancellationToken.None));
            Assert.Equal(("remnant", "removed"), (container.Name, container.State));

            var sink = await FakeDataRoot.CollectAllAsync(runtime);
            Assert.Contains("is a fifo, not a regular file: not opened", sink["remnant.json"].Text, StringComparison.Ordinal);
            Assert.Equal(EntryKind.Fifo, sink["files/config.v2.json"].Kind);
            Assert.Null(sink["files/config.v2.json"].Bytes);
            Assert.Equal(EntryKind.Symlink, sink["files/hostconfig.json"].Kind);
            Assert.Equal("/etc/passwd", sink["files/hostconfig.json"].LinkTarget);
            Assert.DoesNotContain(sink.Items, i => i.Text.Contains("root:x:0:0", StringComparison.Ordinal) && i.Item.Section != EvidenceSection.FilesystemFull);
            // Its layers are still the layer store's: the remnant's filesystem is collected.
            Assert.Equal("planted", FakeDataRoot.Text(sink.Single(EvidenceSection.FilesystemFull, "/tmp/planted")));
        }
    }

    [Fact]
    public async Task Truncated_and_oversized_records_are_remnants_with_why()
    {
        const string Second = "c0ffee0000000000000000000000000000000000000000000000000000000002";
        _root.Write($"containers/{FakeDataRoot.Id}/config.v2.json", FakeDataRoot.Config()[..40]);
        _root.Write($"containers/{Second}/hostname", "x");
        using (var huge = File.Create(_root.Path($"containers/{Second}/config.v2.json")))
        {
            huge.SetLength(17L * 1024 * 1024);  // sparse: 17 MiB of holes
        }

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var runtime = Assert.Single(probes).Runtime!;
            var catalog = ((Docker.Offline.OfflineDockerRuntime)runtime).Catalog;
            Assert.Contains("is not valid JSON", catalog.Find(FakeDataRoot.Id)!.RemnantWhy, StringComparison.Ordinal);
            Assert.Contains("is 17825792 bytes, more than the 16777216 read for it", catalog.Find(Second)!.RemnantWhy, StringComparison.Ordinal);
            Assert.All(await runtime.ListContainersAsync(CancellationToken.None), c => Assert.Equal("removed", c.State));
        }
    }

    [Fact]
    public async Task Ids_and_layer_links_that_climb_out_are_refused_and_recorded()
    {
        Directory.CreateDirectory(_root.Path("containers/not-an-id"));
        Directory.CreateDirectory(_root.Path("image/overlay2/layerdb/mounts/..%2F..%2Fetc"));
        // The container's writable layer named as a path, its lower file and links pointing out.
        _root.Write($"image/overlay2/layerdb/mounts/{FakeDataRoot.Id}/init-id", "../../../../../../etc");
        _root.Write($"overlay2/{FakeDataRoot.MountDir}/lower", $"l/../../../../etc:l/{FakeDataRoot.InitLink}:l/{FakeDataRoot.ImageLink}");
        _root.Link($"overlay2/l/{FakeDataRoot.ImageLink}", "../../../../../../../../etc");
        _root.Link($"overlay2/l/{FakeDataRoot.InitLink}", "/etc");

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var runtime = Assert.Single(probes).Runtime!;
            var sink = await FakeDataRoot.CollectAllAsync(runtime);

            var dataRoot = sink["data-root.json"].Text;
            Assert.Contains("containers/not-an-id: not a container id", dataRoot, StringComparison.Ordinal);
            Assert.Contains("not a container id, not read", dataRoot, StringComparison.Ordinal);
            // The container's own (first): its init layer, no longer named by a valid init-id, is also listed as a remnant layer.
            var layers = sink.Items.First(i => i.Item.Name == "layers.json").Text;
            Assert.Contains(await runtime.ListContainersAsync(CancellationToken.None), c => c.Id == FakeDataRoot.MountDir + "-init" && c.State == "removed");
            Assert.Contains("init-id says '../../../../../../etc', not a layer directory name: not followed", layers, StringComparison.Ordinal);
            Assert.Contains("lists 'l/../../../../etc', not an l/ link name", layers, StringComparison.Ordinal);
            Assert.Contains("points at '../../../../../../../../etc', not ../<layer>/diff: not followed", layers, StringComparison.Ordinal);
            Assert.Contains("points at '/etc', not ../<layer>/diff", layers, StringComparison.Ordinal);
            // The merged view is the writable layer alone, and says why it is incomplete.
            Assert.Equal(["/tmp", "/tmp/planted"], sink.In(EvidenceSection.FilesystemFull).Select(i => i.Path!).Take(2).ToList());
            Assert.Contains(sink.ErrorTexts, e => e.Contains("the merged view is incomplete", StringComparison.Ordinal));
            Assert.DoesNotContain(sink.Items, i => i.Path?.Contains("passwd", StringComparison.Ordinal) == true);
        }
    }

    [Fact]
    public async Task A_deep_tree_in_the_writable_layer_is_cut_at_the_depth_limit_with_a_record()
    {
        string deep = string.Join('/', Enumerable.Repeat("d", 300));
        _root.Write($"overlay2/{FakeDataRoot.MountDir}/diff/{deep}/bottom", "x");

        var (image, probes) = await _root.OpenAsync();
        using (image)
        {
            var runtime = Assert.Single(probes).Runtime!;
            var sink = await FakeDataRoot.CollectAllAsync(runtime, new CollectionOptions { Filesystem = FilesystemMode.Changed });
            var cut = Assert.Single(sink.In(EvidenceSection.FilesystemChanged), i => i.Item.Reason?.Contains("depth limit", StringComparison.Ordinal) == true);
            Assert.Equal(EntryStatus.Partial, cut.Status);
        }
    }
}
