using System.Text;
using System.Text.Json;
using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.Core;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.DeadBox;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// <c>cfir collect --root</c> / <c>cfir list --root</c> on copies of a real Podman's disk
/// (<see cref="PodmanDeadBoxScenario"/>), compared with the live collection of the same
/// containers taken just before: the same containers, names, configs, log lines and file hashes,
/// read with the archive reader.
/// </summary>
public sealed class PodmanDeadBoxTests(PodmanDeadBoxScenario scenario) : IClassFixture<PodmanDeadBoxScenario>
{
    [EngineFact(Engine.Podman)]
    public async Task WhileRunning_HoldsWhatTheLiveCollectionHeld()
    {
        var (live, offline) = await CollectAsync(scenario.WhileRunning, "while-running.tar");

        Assert.Equal(live.ContainerRoots(), offline.ContainerRoots());
        foreach (var name in scenario.Names)
        {
            string id = scenario.Ids[name];
            await SameConfigAsync(live, offline, id);
            SameLogFile(live, offline, id);
            SameChangedFiles(live, offline, id);
        }
        await SameLinesAsync(live, offline, scenario.Ids[scenario.Stopped], ["stop-line-1", "stop-line-2"], ["stop-err-1"]);
        await SameLinesAsync(live, offline, scenario.Ids[scenario.Running], ["run-line-1"], ["run-err-1"]);
        SameVolume(live, offline, scenario.Ids[scenario.Running]);
        string running = offline.Root(scenario.Ids[scenario.Running]);
        Assert.Equal("whiteout", offline[running + "/filesystem/changed/etc/hosts.allow"].Kind);
        Assert.NotNull(offline[running + "/filesystem/changed/tmp/planted"].Sha256);
        Assert.Contains($"containers/podman/{scenario.Pod}/{scenario.InPod}_{scenario.Ids[scenario.InPod][..12]}", offline.ContainerRoots());
    }

    [EngineFact(Engine.Podman)]
    public async Task AfterCleanStop_HoldsTheSameButTheRemovedContainer()
    {
        var (live, offline) = await CollectAsync(scenario.AfterStop, "after-stop.tar");

        var expected = live.ContainerRoots().Where(r => !r.EndsWith(scenario.Ids[scenario.Removed][..12], StringComparison.Ordinal)).ToList();
        Assert.Equal(expected, offline.ContainerRoots());
        foreach (var name in scenario.Names.Where(n => n != scenario.Removed))
        {
            string id = scenario.Ids[name];
            await SameConfigAsync(live, offline, id);
            SameLogFile(live, offline, id);
            SameChangedFiles(live, offline, id);
        }
        SameVolume(live, offline, scenario.Ids[scenario.Running]);
        var state = await offline.JsonAsync(offline.Root(scenario.Ids[scenario.Running]) + "/metadata/libpod-state.json");
        Assert.Equal(6, state.GetProperty("state").GetInt32()); // exited, after podman stop
    }

    [EngineFact(Engine.Podman)]
    public async Task RemovedContainer_LeftFolders_AreCollectedAsItsRemnant()
    {
        var (live, offline) = await CollectAsync(scenario.WithRemnant, "with-remnant.tar");
        string id = scenario.Ids[scenario.Removed];

        string remnant = offline.Root(id);
        Assert.Equal($"containers/podman/-/remnant_{id[..12]}", remnant);
        var why = await offline.JsonAsync(remnant + "/metadata/remnant.json");
        Assert.Equal(id, why.GetProperty("id").GetString());
        Assert.Contains(scenario.RemovedLayer, why.GetProperty("layerDir").GetString(), StringComparison.Ordinal);
        Assert.Contains("interrupted removal", why.GetProperty("why").GetString(), StringComparison.Ordinal);
        SameLogFile(live, offline, id);
        SameChangedFiles(live, offline, id);
        var remnants = await offline.JsonAsync("runtimes/podman/metadata/remnants.json");
        Assert.Contains(remnants.GetProperty("remnants").EnumerateArray(), r => r.GetProperty("id").GetString() == id);
        var parsed = await offline.LinesAsync(remnant + "/logs/k8s-file-parsed.jsonl");
        Assert.Contains(parsed, l => l.GetProperty("text").GetString() == "gone-line-1" && l.GetProperty("stream").GetString() == "stdout");
    }

    [EngineFact(Engine.Podman)]
    public async Task SqliteDatabase_OfPodmansSchema_ReadsAsTheBoltOne()
    {
        // Podman here (4.3) writes only bolt_state.db: db.sql is made with Podman 4.8's schema from the bolt records (LibpodSqlite).
        Assert.True(scenario.Problem is null, scenario.Problem);
        string graphRoot = scenario.WithSqlite + PrivatePodman.DataRoot;
        var before = Directory.GetFileSystemEntries(graphRoot).Order().ToList();
        var (_, bolt) = await CollectAsync(scenario.AfterStop, "bolt.tar");
        var (_, sqlite) = await CollectAsync(scenario.WithSqlite, "sqlite.tar");

        Assert.Equal(before, Directory.GetFileSystemEntries(graphRoot).Order().ToList()); // no -journal, -wal or -shm made
        Assert.Equal(bolt.ContainerRoots(), sqlite.ContainerRoots());
        foreach (var root in bolt.ContainerRoots())
        {
            Assert.Equal(bolt[root + "/metadata/libpod-config.json"].Sha256, sqlite[root + "/metadata/libpod-config.json"].Sha256);
            Assert.Equal(bolt[root + "/metadata/libpod-state.json"].Sha256, sqlite[root + "/metadata/libpod-state.json"].Sha256);
            Assert.Equal(bolt.Under(root + "/filesystem/").Select(l => (l.Path, l.Sha256)), sqlite.Under(root + "/filesystem/").Select(l => (l.Path, l.Sha256)));
        }
        var db = await sqlite.JsonAsync("runtimes/podman/metadata/libpod-database.json");
        Assert.Equal("sqlite", db.GetProperty("backend").GetString());
        Assert.Empty(db.GetProperty("problems").EnumerateArray());
        Assert.Contains(db.GetProperty("pods").EnumerateArray(), p => p.GetProperty("name").GetString() == scenario.Pod);
        Assert.True(sqlite.Has("runtimes/podman/metadata/data-root/db.sql"));
    }

    [EngineFact(Engine.Podman)]
    public async Task TornDatabase_IsReadAsFarAsItGoes_AndStorageStillListsTheContainers()
    {
        var (live, offline) = await CollectAsync(scenario.Torn, "torn.tar");

        var db = await offline.JsonAsync("runtimes/podman/metadata/libpod-database.json");
        Assert.NotEmpty(db.GetProperty("problems").EnumerateArray());
        foreach (var name in scenario.Names.Where(n => n != scenario.Removed))
        {
            string id = scenario.Ids[name];
            // Without libpod's records the container is c/storage's alone: listed by its storage name, its layer still read.
            Assert.Equal("absent", offline[offline.Root(id) + "/metadata/libpod-config.json"].Status);
            Assert.NotNull(offline.Find(offline.Root(id) + "/metadata/storage-container.json")?.Sha256);
            SameChangedFiles(live, offline, id);
            if (name != scenario.Created)
            {
                SameLogFile(live, offline, id); // found at conmon's default place; the never-started one has none to find
            }
        }
        Assert.True(offline.Has("runtimes/podman/metadata/data-root/libpod/bolt_state.db"));
    }

    [EngineFact(Engine.Podman)]
    public async Task FilesystemFull_StacksTheLayerChain_AsTheLiveMergedDirectoryShowsIt()
    {
        var (_, offline) = await CollectAsync(scenario.WhileRunning, "full.tar", "--filesystem", "full");
        var liveFull = new ArchiveView(scenario.LiveFullArchive);
        string busybox = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync("/bin/busybox")));

        string id = scenario.Ids[scenario.Running];
        string running = offline.Root(id) + "/filesystem/full/";
        var record = await offline.JsonAsync(offline.Root(id) + "/metadata/filesystem-source.json");
        Assert.Equal("full", record.GetProperty("mode").GetString());
        Assert.Equal("overlay layer chain", record.GetProperty("source").GetString());
        Assert.Contains(record.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains(": image layer ", StringComparison.Ordinal));
        Assert.Empty(offline.Under(offline.Root(id) + "/filesystem/changed/"));
        // The image's file (the rig built the image from this machine's busybox-static), the planted one; the deleted one is gone.
        Assert.Equal(busybox, offline[running + "bin/busybox"].Sha256);
        Assert.Equal($"planted-{scenario.Suffix}\n", Encoding.UTF8.GetString(await offline.ReadAsync(running + "tmp/planted")));
        Assert.Null(offline.Find(running + "etc/hosts.allow"));
        Assert.NotNull(offline.Find(running + "etc/passwd"));
        Assert.DoesNotContain(offline.Under(running), l => l.Kind == "whiteout");
        // The same regular files with the same content as the live collection of the mounted merged directory.
        string l = liveFull.Root(id) + "/filesystem/full/";
        Assert.Equal(busybox, liveFull[l + "bin/busybox"].Sha256);
        Assert.Equal(
            liveFull.Under(l).Select(x => (x.Path![l.Length..], x.Kind, x.Sha256)).ToList(),
            offline.Under(running).Select(x => (x.Path![running.Length..], x.Kind, x.Sha256)).ToList());

        // A stopped container: its change over the image.
        string stopped = offline.Root(scenario.Ids[scenario.Stopped]) + "/filesystem/full/";
        Assert.Equal($"changed-{scenario.Suffix}\n", Encoding.UTF8.GetString(await offline.ReadAsync(stopped + "etc/stop-file")));
        Assert.Equal(busybox, offline[stopped + "bin/busybox"].Sha256);
        Assert.NotNull(offline.Find(stopped + "etc/hosts.allow"));
    }

    [EngineFact(Engine.Podman)]
    public async Task DeadBox_HoldsNothingOfThisMachinesEngines()
    {
        var (_, offline) = await CollectAsync(scenario.WhileRunning, "nothing-live.tar");

        var ids = scenario.Ids.Values.ToHashSet();
        Assert.All(offline.Lines.Where(l => l.Source?.ContainerId is not null), l => Assert.Contains(l.Source!.ContainerId!, ids));
        var acquisition = await offline.JsonAsync("acquisition/acquisition.json");
        Assert.Equal("diskImage", acquisition.GetProperty("source").GetProperty("kind").GetString());
        var answered = acquisition.GetProperty("runtimes").EnumerateArray().Where(r => r.GetProperty("answered").GetBoolean()).ToList();
        var podman = Assert.Single(answered);
        Assert.Equal("podman", podman.GetProperty("name").GetString());
        Assert.Equal("diskimage", podman.GetProperty("locality").GetString());
    }

    [EngineFact(Engine.Podman)]
    public async Task List_Root_NamesEveryContainerWithItsRecordedState()
    {
        Assert.True(scenario.Problem is null, scenario.Problem);
        var result = await CfirProcess.RunAsync(["list", "--root", scenario.WhileRunning, "--json"], environment: null);

        Assert.True(result.ExitCode == 0, result.Describe());
        using var doc = JsonDocument.Parse(result.Stdout);
        var runtime = Assert.Single(doc.RootElement.EnumerateArray(), r => r.GetProperty("runtime").GetString() == "podman" && r.GetProperty("answered").GetBoolean());
        var states = runtime.GetProperty("containers").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("state").GetString());
        Assert.Equal("running", states[scenario.Running]);
        Assert.Equal("exited", states[scenario.Stopped]);
        Assert.Equal("paused", states[scenario.Paused]);
        Assert.Equal("created", states[scenario.Created]);
        Assert.Equal("exited", states[scenario.Removed]);
    }

    [Fact]
    public async Task PodmanRoot_WithoutRoot_IsAUsageError()
    {
        var result = await CfirProcess.RunAsync(["list", "--runtime", "podman", "--podman-root", "/var/lib/containers/storage"], environment: null);

        Assert.True(result.ExitCode == (int)ExitCode.UsageError, result.Describe());
        Assert.Contains("--root", result.Stderr, StringComparison.Ordinal);
    }

    private async Task<(ArchiveView Live, ArchiveView Offline)> CollectAsync(string root, string archive, params string[] more)
    {
        Assert.True(scenario.Problem is null, scenario.Problem);
        string output = scenario.Scratch(archive);
        if (!File.Exists(output))
        {
            var result = await CfirProcess.RunAsync(["collect", "--root", root, "--volumes", "-f", "tar", "-o", output, "-q", .. more], environment: null);
            Assert.True(result.ExitCode is 0 or 1, result.Describe());
            var verify = await CfirProcess.RunAsync("verify", output);
            Assert.True(verify.ExitCode == 0, verify.Describe());
        }
        return (new ArchiveView(scenario.LiveArchive), new ArchiveView(output));
    }

    private static async Task SameConfigAsync(ArchiveView live, ArchiveView offline, string id)
    {
        var inspect = await live.JsonAsync(live.Root(id) + "/metadata/inspect.json");
        var config = await offline.JsonAsync(offline.Root(id) + "/metadata/libpod-config.json");
        Assert.Equal(inspect.GetProperty("Id").GetString(), config.GetProperty("id").GetString());
        Assert.Equal(inspect.GetProperty("Name").GetString()!.TrimStart('/'), config.GetProperty("name").GetString());
        Assert.Equal(inspect.GetProperty("Image").GetString()!.Replace("sha256:", "", StringComparison.Ordinal), config.GetProperty("rootfsImageID").GetString());
        Assert.Equal(inspect.GetProperty("Config").GetProperty("Cmd").EnumerateArray().Select(a => a.GetString()),
            config.GetProperty("spec").GetProperty("process").GetProperty("args").EnumerateArray().Select(a => a.GetString()));
    }

    private static void SameLogFile(ArchiveView live, ArchiveView offline, string id)
    {
        var l = live.Find(live.Root(id) + "/logs/files/ctr.log");
        var o = offline.Find(offline.Root(id) + "/logs/files/ctr.log");
        Assert.Equal(l?.Status, o?.Status);
        Assert.Equal(l?.Sha256, o?.Sha256);
    }

    private static async Task SameLinesAsync(ArchiveView live, ArchiveView offline, string id, string[] stdout, string[] stderr)
    {
        var parsed = await offline.LinesAsync(offline.Root(id) + "/logs/k8s-file-parsed.jsonl");
        foreach (var (stream, expected) in new[] { ("stdout", stdout), ("stderr", stderr) })
        {
            var apiLines = Encoding.UTF8.GetString(await live.ReadAsync(live.Root(id) + $"/logs/{stream}.log"))
                .Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => line[(line.IndexOf(' ', StringComparison.Ordinal) + 1)..]).ToList();
            var fileLines = parsed.Where(p => p.GetProperty("stream").GetString() == stream).Select(p => p.GetProperty("text").GetString()!).ToList();
            Assert.Equal(expected, apiLines);
            Assert.Equal(apiLines, fileLines);
        }
    }

    /// <summary>Every path of the writable layer with its kind and content hash, in both.</summary>
    private static void SameChangedFiles(ArchiveView live, ArchiveView offline, string id)
    {
        string l = live.Root(id) + "/filesystem/changed/";
        string o = offline.Root(id) + "/filesystem/changed/";
        var liveFiles = live.Under(l).Select(x => (x.Path![l.Length..], x.Kind, x.Sha256)).ToList();
        var offlineFiles = offline.Under(o).Select(x => (x.Path![o.Length..], x.Kind, x.Sha256)).ToList();
        Assert.Equal(liveFiles, offlineFiles);
    }

    private static void SameVolume(ArchiveView live, ArchiveView offline, string id)
    {
        string l = live.Root(id) + "/volumes/";
        string o = offline.Root(id) + "/volumes/";
        var liveFiles = live.Under(l).Where(x => x.Kind == "file").Select(x => (x.Path![l.Length..], x.Sha256)).ToList();
        Assert.Contains(liveFiles, f => f.Item1.EndsWith("/in-volume", StringComparison.Ordinal));
        Assert.Equal(liveFiles, offline.Under(o).Where(x => x.Kind == "file").Select(x => (x.Path![o.Length..], x.Sha256)).ToList());
    }

    /// <summary>An archive read with the archive reader: its manifest, and members by tar.</summary>
    private sealed class ArchiveView
    {
        public ArchiveView(string path)
        {
            ArchivePath = path;
            Lines = EvidenceArchiveReader.ReadManifest(path).ToList();
        }

        public string ArchivePath { get; }

        public List<ManifestLine> Lines { get; }

        public ManifestLine this[string path] => Assert.Single(Lines, l => l.Path == path);

        public ManifestLine? Find(string path) => Lines.SingleOrDefault(l => l.Path == path);

        public bool Has(string path) => Lines.Any(l => l.Path == path);

        /// <summary>The lines under a folder, by path.</summary>
        public List<ManifestLine> Under(string prefix) => Lines.Where(l => l.Path?.StartsWith(prefix, StringComparison.Ordinal) == true).OrderBy(l => l.Path, StringComparer.Ordinal).ToList();

        /// <summary>The container's folder: containers/&lt;runtime&gt;/&lt;group&gt;/&lt;leaf&gt;.</summary>
        public string Root(string id)
        {
            var line = Lines.First(l => l.Source?.ContainerId == id && l.Path!.StartsWith("containers/", StringComparison.Ordinal));
            return string.Join('/', line.Path!.Split('/')[..4]);
        }

        public List<string> ContainerRoots() => Lines.Where(l => l.Source?.ContainerId is not null && l.Path!.StartsWith("containers/", StringComparison.Ordinal))
            .Select(l => string.Join('/', l.Path!.Split('/')[..4])).Distinct().Order(StringComparer.Ordinal).ToList();

        public Task<byte[]> ReadAsync(string member) => ArchiveTools.ReadMemberAsync(ArchivePath, member);

        public Task<JsonElement> JsonAsync(string member) => ArchiveTools.ReadJsonMemberAsync(ArchivePath, member);

        public async Task<List<JsonElement>> LinesAsync(string member) => [.. await ArchiveTools.ReadJsonLinesAsync(ArchivePath, member)];
    }
}
