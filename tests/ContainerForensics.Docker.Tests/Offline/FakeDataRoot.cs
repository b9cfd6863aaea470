using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Discovery;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Offline;

/// <summary>
/// A Docker data root written by hand under an image folder, as overlay2 lays one out: one image
/// layer, one container (record, host config, json-file log, writable and init layers, the lower
/// file and its l/ links). The hostile tests break one piece of it at a time.
/// </summary>
internal sealed class FakeDataRoot : IDisposable
{
    public const string Id = "c0ffee0000000000000000000000000000000000000000000000000000000001";
    public const string Chain = "a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1";
    public const string ImageId = "sha256:b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2";
    public const string LayerDir = "1111111111111111111111111111111111111111111111111111111111111111";
    public const string MountDir = "2222222222222222222222222222222222222222222222222222222222222222";
    public const string ImageLink = "AAAAAAAAAAAAAAAAAAAAAAAAAA";
    public const string InitLink = "BBBBBBBBBBBBBBBBBBBBBBBBBB";

    public FakeDataRoot()
    {
        Image = Directory.CreateTempSubdirectory("cfir-fake-image-").FullName;
        Write($"image/overlay2/layerdb/sha256/{Chain}/cache-id", LayerDir);
        Write($"image/overlay2/layerdb/sha256/{Chain}/diff", "sha256:" + Chain);
        Write($"image/overlay2/layerdb/sha256/{Chain}/size", "7");
        Write($"image/overlay2/imagedb/content/sha256/{ImageId[7..]}", "{\"architecture\":\"amd64\"}");
        Write($"overlay2/{LayerDir}/diff/bin/busybox", "BUSYBOX");
        Write($"overlay2/{LayerDir}/diff/etc/passwd", "root:x:0:0\n");
        Link($"overlay2/l/{ImageLink}", $"../{LayerDir}/diff");
        Write($"image/overlay2/layerdb/mounts/{Id}/mount-id", MountDir);
        Write($"image/overlay2/layerdb/mounts/{Id}/init-id", MountDir + "-init");
        Write($"image/overlay2/layerdb/mounts/{Id}/parent", "sha256:" + Chain);
        Write($"overlay2/{MountDir}-init/diff/etc/hosts", "");
        Link($"overlay2/l/{InitLink}", $"../{MountDir}-init/diff");
        Write($"overlay2/{MountDir}/lower", $"l/{InitLink}:l/{ImageLink}");
        Write($"overlay2/{MountDir}/diff/tmp/planted", "planted");
        Write($"containers/{Id}/config.v2.json", Config());
        Write($"containers/{Id}/hostconfig.json", "{\"LogConfig\":{\"Type\":\"json-file\",\"Config\":{}}}");
        Write($"containers/{Id}/{Id}-json.log", "{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-07T05:54:17.920911338Z\"}\n");
        Write($"containers/{Id}/hostname", "web\n");
    }

    /// <summary>The folder standing for the imaged machine's "/".</summary>
    public string Image { get; }

    public const string DataRootPath = "/var/lib/docker";

    /// <summary>A path below the data root, on this machine.</summary>
    public string Path(string relative) => System.IO.Path.Join(Image, DataRootPath, relative);

    public static string Config(string id = Id) => JsonSerializer.Serialize(new
    {
        ID = id,
        Name = "/web",
        Created = "2026-12-07T05:54:17.452971509Z",
        Image = ImageId,
        Driver = "overlay2",
        LogPath = $"/var/lib/docker/containers/{id}/{id}-json.log",
        State = new { Running = true, Paused = false, Restarting = false, Dead = false, Pid = 4242, StartedAt = "2026-12-07T05:54:17.9Z" },
        Config = new { Image = "busybox:latest", Labels = new Dictionary<string, string> { ["app"] = "web" } },
        MountPoints = new Dictionary<string, object>(),
    });

    public void Write(string relative, string content)
    {
        string path = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.WriteAllText(path, content);
    }

    public void Link(string relative, string target)
    {
        string path = Path(relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        File.Delete(path);
        File.CreateSymbolicLink(path, target);
    }

    /// <summary>Opens the image and its Docker data roots as discovery does with --root and --docker-root.</summary>
    public async Task<(DiskImage Image, IReadOnlyList<RuntimeProbe> Probes)> OpenAsync(string dataRoot = DataRootPath)
    {
        var image = DiskImage.Open(Image, "/");
        var settings = new RuntimeSettings().With(DockerOptions.Root, dataRoot);
        var probes = await new DockerRuntimeProvider().OpenDiskImageAsync(image, settings, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        return (image, probes);
    }

    /// <summary>Every phase of every container of the runtime and its engine evidence into one sink, each bounded in time (a hang fails the test).</summary>
    public static async Task<RecordingSink> CollectAllAsync(IContainerRuntime runtime, CollectionOptions? options = null)
    {
        options ??= new CollectionOptions { Filesystem = FilesystemMode.Full, Volumes = true };
        var sink = new RecordingSink();
        await runtime.CollectEngineAsync(sink, options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        foreach (var container in await runtime.ListContainersAsync(CancellationToken.None))
        {
            foreach (var phase in Enum.GetValues<CollectionPhase>())
            {
                await runtime.CollectContainerAsync(container, phase, sink, options, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
        return sink;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Image, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static string Text(RecordingSink.Recorded r) => Encoding.UTF8.GetString(r.Content);
}
