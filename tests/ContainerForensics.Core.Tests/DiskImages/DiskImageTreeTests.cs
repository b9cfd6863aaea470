using System.Text;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Tests.FileSystem;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Core.Tests.DiskImages;

/// <summary>
/// The tree collectors on trees opened beneath a disk image: the path a walk is shown under is
/// the image's, not a path of this host, so nothing looks it up here (a walk of a layer behind
/// an absolute symlink of the image would otherwise think its root gone and stop).
/// </summary>
[Collection(ContainerForensics.Core.Tests.FileSystem.Trees.CaptureBudget.Collection)]
public sealed class DiskImageTreeTests : IDisposable
{
    private readonly TempTree _image = new();

    public void Dispose() => _image.Dispose();

    [Fact]
    public async Task A_layer_behind_an_absolute_symlink_of_the_image_is_walked_to_its_end()
    {
        _image.WriteFile("data/docker/overlay2/rw/diff/etc/passwd", "evil:x:0:0\n"u8.ToArray());
        _image.WriteFile("data/docker/overlay2/rw/diff/tmp/x/planted", "planted"u8.ToArray());
        _image.WriteFile("data/docker/overlay2/img/diff/bin/busybox", "BUSYBOX"u8.ToArray());
        Directory.CreateDirectory(_image.PathOf("var/lib"));
        File.CreateSymbolicLink(_image.PathOf("var/lib/docker"), "/data/docker");
        using var image = DiskImage.Open(_image.Root, "/");

        var changed = new RecordingSink();
        using (var walker = image.OpenTree("/var/lib/docker/overlay2/rw/diff"))
        {
            var result = await new HostTreeCollector
            {
                Section = EvidenceSection.FilesystemChanged,
                RootRawPath = "/"u8.ToArray(),
                Overlay = [],
                Description = "writable layer",
                Limits = CaptureLimits.None,
            }.CollectAsync(walker, changed, CancellationToken.None);
            Assert.False(result.Broken, result.Failure);
        }
        Assert.Equal(["/etc", "/etc/passwd", "/tmp", "/tmp/x", "/tmp/x/planted"], changed.Items.Select(i => i.Path!).ToList());

        var full = new RecordingSink();
        using (var stack = new LayerStack([
            new StackLayer(image.OpenTree("/var/lib/docker/overlay2/rw/diff"), "rw"),
            new StackLayer(image.OpenTree("/var/lib/docker/overlay2/img/diff"), "img")]))
        {
            await new LayerStackCollector { Section = EvidenceSection.FilesystemFull, Description = "stack", Limits = CaptureLimits.None }
                .CollectAsync(stack, full, CancellationToken.None);
        }
        Assert.Equal(["/bin", "/bin/busybox", "/etc", "/etc/passwd", "/tmp", "/tmp/x", "/tmp/x/planted"], full.Items.Select(i => i.Path!).ToList());
        Assert.Equal("BUSYBOX", Encoding.UTF8.GetString(full.Single("/bin/busybox").Content));
    }
}
