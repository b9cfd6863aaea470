using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;
using ContainerForensics.HostEvidence.Rooted;
using ContainerForensics.HostEvidence.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Processes;

/// <summary>
/// The in-root reader against a real container root (/proc/&lt;pid&gt;/root) holding hostile
/// links: whatever the container plants, what is read is the container's, never the host's.
/// </summary>
public sealed class RootedFileReaderTests : IDisposable
{
    private const string ContainerShadow = "container-shadow\n";

    private readonly DockerCli _docker = new();

    public void Dispose() => _docker.Dispose();

    [EngineFact(Engine.Docker)]
    public async Task Symlinks_planted_in_the_container_resolve_inside_its_root()
    {
        int pid = await PlantAsync();
        byte[] hostShadow = await File.ReadAllBytesAsync("/etc/shadow");
        Assert.NotEqual(Encoding.UTF8.GetBytes(ContainerShadow), hostShadow);

        Assert.Equal(0, RootedFileReader.OpenRoot("/proc", pid, out var root));
        using (root)
        {
            foreach (var (path, target) in new[] { ("tmp/evil", "/etc/shadow"), ("tmp/evil2", "../../../../../../etc/shadow"), ("tmp/evil3", "/tmp/evil2") })
            {
                var file = RootedFileReader.Read(root!, Encoding.UTF8.GetBytes(path));
                Assert.Equal(EntryStatus.Collected, file.Status);
                Assert.Equal(Encoding.UTF8.GetBytes(target), file.LinkTarget);
                byte[] bytes = await ReadAllAsync(file.Content!);
                Assert.Equal(ContainerShadow, Encoding.UTF8.GetString(bytes));
                Assert.NotEqual(hostShadow, bytes);
            }

            // ".." in the path itself cannot climb out either.
            var climbed = RootedFileReader.Read(root!, "../../../../etc/shadow"u8);
            Assert.Equal(ContainerShadow, Encoding.UTF8.GetString(await ReadAllAsync(climbed.Content!)));
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task Magic_links_fifos_and_devices_are_never_opened()
    {
        int pid = await PlantAsync();
        Assert.Equal(0, RootedFileReader.OpenRoot("/proc", pid, out var root));
        using (root)
        {
            // /proc/1/root inside the container is a magic link: RESOLVE_NO_MAGICLINKS refuses it.
            var magic = RootedFileReader.Read(root!, "tmp/magic"u8);
            Assert.Equal(EntryStatus.Failed, magic.Status);
            Assert.Equal(40, magic.Errno); // ELOOP
            Assert.Null(magic.Content);

            // A FIFO would block a reader forever: recorded as what it is, not opened (this returns at once).
            var fifo = RootedFileReader.Read(root!, "tmp/fifo"u8);
            Assert.Equal(EntryStatus.Collected, fifo.Status);
            Assert.Equal(EntryKind.Fifo, fifo.Stat!.Kind);
            Assert.Null(fifo.Content);

            var device = RootedFileReader.Read(root!, "dev/null"u8);
            Assert.Equal(EntryKind.CharDevice, device.Stat!.Kind);
            Assert.Null(device.Content);

            var linkToDevice = RootedFileReader.Read(root!, "tmp/zero"u8);
            Assert.Equal(EntryKind.CharDevice, linkToDevice.Stat!.Kind);
            Assert.Null(linkToDevice.Content);

            var missing = RootedFileReader.Read(root!, "tmp/nothing-here"u8);
            Assert.Equal(EntryStatus.Absent, missing.Status);
            Assert.Equal(UnixError.ENOENT, missing.Errno);

            var dangling = RootedFileReader.Read(root!, "tmp/dangling"u8);
            Assert.Equal(EntryStatus.Absent, dangling.Status);
            Assert.Equal("/no/such/file"u8.ToArray(), dangling.LinkTarget);
        }
    }

    [EngineFact(Engine.Docker)]
    public async Task Collector_reads_etc_files_inside_the_root()
    {
        string name = DockerCli.NewName("etc");
        string id = _docker.RunShell(name, "touch /tmp/ready; exec sleep 3600");
        int pid = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{pid}/root/tmp/ready"), "the container to start");

        await using var docker = await LiveDocker.ConnectAsync();
        var sink = new RecordingSink();
        await new HostProcessCollector().CollectAsync(await docker.ContainerAsync(id), docker.Runtime, sink, new(), CancellationToken.None);

        Assert.Equal(await File.ReadAllBytesAsync(_docker.Inspect(name, "{{.ResolvConfPath}}")), sink["etc/resolv.conf"].Content);
        Assert.Equal(await File.ReadAllBytesAsync(_docker.Inspect(name, "{{.HostnamePath}}")), sink["etc/hostname"].Content);
        Assert.Equal("/etc/resolv.conf"u8.ToArray(), sink["etc/resolv.conf"].Item.Source!.OriginalPath);
        Assert.Contains("RESOLVE_IN_ROOT", sink["etc/resolv.conf"].Item.Source!.Description, StringComparison.Ordinal);
    }

    private async Task<int> PlantAsync()
    {
        string name = DockerCli.NewName("rooted");
        _docker.RunShell(name, string.Join("; ",
            "echo container-shadow > /etc/shadow",
            "ln -s /etc/shadow /tmp/evil",
            "ln -s ../../../../../../etc/shadow /tmp/evil2",
            "ln -s /tmp/evil2 /tmp/evil3",
            "ln -s /proc/1/root/etc/shadow /tmp/magic",
            "ln -s /dev/zero /tmp/zero",
            "ln -s /no/such/file /tmp/dangling",
            "busybox mkfifo /tmp/fifo",
            "touch /tmp/ready",
            "exec sleep 3600"));
        int pid = _docker.InitPid(name);
        await Eventually.Until(() => File.Exists($"/proc/{pid}/root/tmp/ready"), "the links to be planted");
        return pid;
    }

    private static async Task<byte[]> ReadAllAsync(IEvidenceContent content)
    {
        await using (content)
        {
            using var ms = new MemoryStream();
            var buffer = new byte[4096];
            long offset = 0;
            int n;
            while ((n = await content.ReadAsync(offset, buffer, CancellationToken.None)) > 0)
            {
                ms.Write(buffer, 0, n);
                offset += n;
            }
            Assert.Null(await content.CompleteAsync(CancellationToken.None));
            return ms.ToArray();
        }
    }
}
