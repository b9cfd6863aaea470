using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Discovery;
using ContainerForensics.Docker.Offline.Podman;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.DeadBox;

namespace ContainerForensics.Docker.Tests.Offline;

/// <summary>
/// A Podman data root an attacker made: links to this machine's files, a FIFO where a state file
/// should be, ids with "../", truncated and oversized JSON, a database whose log path names a
/// host file. Each gives a record; nothing of this machine is read and nothing hangs. The libpod
/// database is a db.sql of Podman's own schema (<see cref="LibpodSqlite"/>).
/// </summary>
public sealed class PodmanHostileImageTests : IDisposable
{
    private const string Storage = "/var/lib/containers/storage";
    private static readonly string Evil = new('a', 64);
    private static readonly string Fifo = new('b', 64);
    private static readonly string Dotted = new('c', 64);
    private static readonly string Layer = new('d', 64);

    private readonly string _image = Directory.CreateTempSubdirectory("cfir-podman-hostile-").FullName;

    private string Host(string imagePath) => _image + imagePath;

    public void Dispose() => Directory.Delete(_image, recursive: true);

    [Fact]
    public async Task HostileDataRoot_EveryTrapIsARecord_NothingOfThisMachineIsRead()
    {
        Build();
        var (runtime, sink) = await CollectAllAsync();

        // Nothing captured is this machine's /etc/passwd or /etc/shadow, whatever pointed there.
        byte[] passwd = File.ReadAllBytes("/etc/passwd");
        Assert.DoesNotContain(sink.Items, i => i.Bytes is { Length: > 0 } b && b.AsSpan().SequenceEqual(passwd));
        Assert.DoesNotContain(sink.Items, i => i.Item.Name?.EndsWith("passwd", StringComparison.Ordinal) == true && i.Status == EntryStatus.Collected);

        var listed = await runtime.ListContainersAsync(default);
        Assert.Contains(listed, c => c.Id == Evil && c.Name == "evil");
        Assert.DoesNotContain(listed, c => c.Id.Contains('/', StringComparison.Ordinal));

        // logPath /etc/passwd is read in the image, which has none.
        var log = Assert.Single(sink.Items, i => i.Item.Name == "files/passwd");
        Assert.Equal(EntryStatus.Absent, log.Status);
        Assert.StartsWith(_image, log.Reason, StringComparison.Ordinal);
        // A FIFO as ctr.log is a record of a FIFO, never opened.
        var fifo = Assert.Single(sink.Items, i => i.Item.Name == "files/ctr.log");
        Assert.Equal(EntryKind.Fifo, fifo.Kind);
        Assert.Null(fifo.Bytes);
        // A logPath with ".." is refused.
        Assert.Contains(sink.Items, i => i.Item.Name == "files" && i.Reason!.Contains("'..'", StringComparison.Ordinal));
        // config.json linked to /etc/shadow is a link, not the host's file.
        var spec = Assert.Single(sink.Items, i => i.Path == "/container-dir/userdata/config.json");
        Assert.Equal(EntryKind.Symlink, spec.Kind);
        Assert.Equal("/etc/shadow", spec.LinkTarget);
        // The run root's folder of the container is read when the image has it.
        Assert.Equal("evil-host\n", Assert.Single(sink.Items, i => i.Path == "/run-dir/userdata/hostname").Text);
        // The writable layer's diff linked to /etc is not followed.
        var source = Assert.Single(sink.Items, i => i.Item.Name == FilesystemSourceName && i.Text.Contains(Layer, StringComparison.Ordinal));
        Assert.Contains("symlink, not a directory: not followed", source.Json.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Empty(sink.In(EvidenceSection.FilesystemChanged));
        // A volume named "../../../etc" is not looked for, whatever its record says.
        Assert.Contains(source.Json.GetProperty("notCollected").EnumerateArray(), m => m.GetProperty("why").GetString()!.Contains("the volume's name is not a name", StringComparison.Ordinal));
        Assert.Empty(sink.In(EvidenceSection.Volumes));

        var db = JsonDocument.Parse(sink["libpod-database.json"].Content).RootElement;
        var problems = db.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("../../../../etc", StringComparison.Ordinal) && p.Contains("no valid id", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("images.json is not valid JSON", StringComparison.Ordinal));
        var remnants = JsonDocument.Parse(sink["remnants.json"].Content).RootElement;
        Assert.Contains(remnants.GetProperty("notLookedInto").EnumerateArray(), n => n.GetProperty("path").GetString()!.EndsWith("not-an-id", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FifoAndOversizedStateFiles_AreRecords_AndDoNotHang()
    {
        Directory.CreateDirectory(Host(Storage + "/overlay-containers"));
        Directory.CreateDirectory(Host(Storage + "/overlay-layers"));
        Directory.CreateDirectory(Host(Storage + "/libpod"));
        Mkfifo(Host(Storage + "/overlay-containers/containers.json"));
        Mkfifo(Host(Storage + "/libpod/bolt_state.db"));
        using (var big = File.Create(Host(Storage + "/overlay-layers/layers.json")))
        {
            big.SetLength(ImageFiles.MaxStateFileBytes + 1L); // sparse: costs nothing, reads as too large
        }

        var (_, sink) = await CollectAllAsync().WaitAsync(TimeSpan.FromSeconds(60));

        var db = JsonDocument.Parse(sink["libpod-database.json"].Content).RootElement;
        var problems = db.GetProperty("problems").EnumerateArray().Select(p => p.GetString()!).ToList();
        Assert.Contains(problems, p => p.Contains("containers.json is a fifo, not a regular file", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("bolt_state.db is a fifo", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("layers.json is", StringComparison.Ordinal) && p.Contains("more than", StringComparison.Ordinal));
        Assert.Equal(EntryKind.Fifo, sink["data-root/overlay-containers/containers.json"].Kind);
    }

    [Fact]
    public async Task DataRootThatLinksOutOfTheImage_IsResolvedInsideIt()
    {
        // The image's /var/lib/containers is an absolute link to this machine's own Podman root:
        // beneath the image it names the image's folder of that name, which is the link itself.
        Directory.CreateDirectory(Host("/var/lib"));
        File.CreateSymbolicLink(Host("/var/lib/containers"), "/var/lib/containers");
        using var image = DiskImage.Open(_image, "/");

        var probes = await new PodmanRuntimeProvider().OpenDiskImageAsync(image, new RuntimeSettings(), default);

        Assert.DoesNotContain(probes, p => p.Runtime is not null);
        var probe = Assert.Single(probes, p => p.Endpoint.EndsWith(Storage, StringComparison.Ordinal));
        Assert.Contains("not a folder of the image", probe.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PodmanRoot_NamesTheDataRoot_AndRootlessStorageIsItsUsersRuntime()
    {
        Directory.CreateDirectory(Host("/srv/podman/overlay-containers"));
        File.WriteAllText(Host("/srv/podman/overlay-containers/containers.json"), "[]");
        Directory.CreateDirectory(Host("/home/alice/.local/share/containers/storage/overlay-containers"));
        File.WriteAllText(Host("/home/alice/.local/share/containers/storage/overlay-containers/containers.json"), "[]");
        using var image = DiskImage.Open(_image, "/");
        var provider = new PodmanRuntimeProvider();

        var named = await provider.OpenDiskImageAsync(image, new RuntimeSettings().With(PodmanRuntimeProvider.RootOption, "/srv/podman"), default);
        var found = await provider.OpenDiskImageAsync(image, new RuntimeSettings(), default);

        var only = Assert.Single(named);
        Assert.Equal(_image + "/srv/podman", only.Endpoint);
        Assert.Equal(LocalityKind.DiskImage, only.Runtime!.Descriptor.Locality.Kind);
        var alice = Assert.Single(found, p => p.Runtime is not null);
        Assert.Equal("alice", alice.Runtime!.Descriptor.Details["user"]);
        Assert.Contains(found, p => p.Runtime is null && p.Endpoint.EndsWith(Storage, StringComparison.Ordinal));
    }

    private const string FilesystemSourceName = "filesystem-source.json";

    private async Task<(IContainerRuntime Runtime, RecordingSink Sink)> CollectAllAsync()
    {
        using var image = DiskImage.Open(_image, "/");
        var probes = await new PodmanRuntimeProvider().OpenDiskImageAsync(image, new RuntimeSettings(), default);
        var runtime = Assert.Single(probes, p => p.Runtime is not null).Runtime!;
        var sink = new RecordingSink();
        var options = new CollectionOptions { Volumes = true };
        await runtime.CollectEngineAsync(sink, options, default);
        foreach (var c in await runtime.ListContainersAsync(default))
        {
            foreach (var phase in new[] { CollectionPhase.Metadata, CollectionPhase.Logs, CollectionPhase.Filesystem })
            {
                await runtime.CollectContainerAsync(c, phase, sink, options, default);
            }
        }
        return (runtime, sink);
    }

    private void Build()
    {
        string root = Host(Storage);
        foreach (var dir in new[] { "overlay-containers", "overlay-layers", "overlay-images", "overlay", "libpod", "volumes" })
        {
            Directory.CreateDirectory(Path.Combine(root, dir));
        }
        string Config(string id, string name, string logPath) => JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["id"] = id,
            ["name"] = name,
            ["logPath"] = logPath,
            ["logDriver"] = "k8s-file",
            ["createdTime"] = "2026-12-01T10:00:00Z",
            ["namedVolumes"] = new[] { new Dictionary<string, string> { ["volumeName"] = "../../../etc", ["dest"] = "/data" } },
        });
        const string State = """{"state":6,"exitCode":0}""";
        LibpodSqlite.Create(Path.Combine(root, "db.sql"),
            new LibpodSqlite.Paths("/var/lib/containers/storage/libpod", "/run/libpod", Storage, "/run/containers/storage", "overlay", Storage + "/volumes"),
            [
                new LibpodSqlite.Container(Evil, "evil", null, Config(Evil, "evil", "/etc/passwd"), State),
                new LibpodSqlite.Container(Fifo, "fifo", null, Config(Fifo, "fifo", $"{Storage}/overlay-containers/{Fifo}/userdata/ctr.log"), State),
                new LibpodSqlite.Container(Dotted, "dotted", null, Config(Dotted, "dotted", $"{Storage}/../../../etc/passwd"), State),
                new LibpodSqlite.Container("../../../../etc", "escape", null, Config("../../../../etc", "escape", "/x"), State),
            ], [], [new LibpodSqlite.Volume("../../../etc", """{"name":"../../../etc","mountPoint":"/etc"}""", "{}")]);
        File.WriteAllText(Path.Combine(root, "overlay-containers/containers.json"), JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object> { ["id"] = Evil, ["names"] = new[] { "evil" }, ["layer"] = Layer },
            new Dictionary<string, object> { ["id"] = "../../../../etc", ["names"] = new[] { "escape" }, ["layer"] = "../../../../etc" },
        }));
        File.WriteAllText(Path.Combine(root, "overlay-layers/layers.json"), JsonSerializer.Serialize(new object[]
        {
            new Dictionary<string, object> { ["id"] = Layer },
        }));
        File.WriteAllText(Path.Combine(root, "overlay-images/images.json"), """[{"id": "ab""");
        Directory.CreateDirectory(Path.Combine(root, "overlay", Layer));
        File.CreateSymbolicLink(Path.Combine(root, "overlay", Layer, "diff"), "/etc");
        Directory.CreateDirectory(Path.Combine(root, "overlay", "not-an-id"));
        Directory.CreateDirectory(Path.Combine(root, "overlay-containers", Evil, "userdata"));
        File.CreateSymbolicLink(Path.Combine(root, "overlay-containers", Evil, "userdata", "config.json"), "/etc/shadow");
        // The run root the database names, present in this image (usually a tmpfs).
        Directory.CreateDirectory(Host($"/run/containers/storage/overlay-containers/{Evil}/userdata"));
        File.WriteAllText(Host($"/run/containers/storage/overlay-containers/{Evil}/userdata/hostname"), "evil-host\n");
        Directory.CreateDirectory(Path.Combine(root, "overlay-containers", Fifo, "userdata"));
        Mkfifo(Path.Combine(root, "overlay-containers", Fifo, "userdata", "ctr.log"));
    }

    private static void Mkfifo(string path)
    {
        using var p = System.Diagnostics.Process.Start("mkfifo", [path])!;
        p.WaitForExit();
        Assert.Equal(0, p.ExitCode);
    }
}
