using System.Diagnostics;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;
using Xunit;

namespace ContainerForensics.Containerd.Tests.DeadBox;

/// <summary>
/// Dead-box containerd against state a real containerd wrote (<see cref="DeadBoxScenario"/>): the
/// offline runtime on a copy of the data root holds what a live collection of the same daemon
/// held, the removed containers' remnants, and what it cannot read of a damaged or hostile copy
/// is recorded without escaping the image.
/// </summary>
[Collection("containerd dead-box")]
public sealed class DeadBoxContainerdTests(DeadBoxScenario scenario) : IClassFixture<DeadBoxScenario>
{
    [EngineTheory(Engine.Containerd)]
    [InlineData("clean")]
    [InlineData("live")]
    public async Task Copy_HoldsWhatTheLiveCollectionHeld(string which)
    {
        var (image, runtime) = await scenario.OpenOfflineAsync(which == "clean" ? scenario.CleanCopy : scenario.LiveCopy);
        using var _ = image;
        await using var __ = runtime;
        Assert.Equal(LocalityKind.DiskImage, runtime.Descriptor.Locality.Kind);
        var (listed, sinks, engine) = await DeadBoxScenario.CollectAsync(runtime);

        // The same containers, and nothing else but remnants: nothing of this machine's own engines.
        var live = scenario.LiveListed.ToDictionary(DeadBoxScenario.Key, StringComparer.Ordinal);
        var records = listed.Where(c => c.State != "removed").ToList();
        Assert.Equal(live.Keys.Order(StringComparer.Ordinal), records.Select(DeadBoxScenario.Key).Order(StringComparer.Ordinal));
        foreach (var c in records)
        {
            var l = live[DeadBoxScenario.Key(c)];
            Assert.Equal(l.Name, c.Name);
            Assert.Equal(l.Image, c.Image);
            Assert.Equal(l.PodMembership, c.PodMembership);
            Assert.Equal(l.Labels.OrderBy(x => x.Key), c.Labels.OrderBy(x => x.Key));
            Assert.Equal(l.Created, c.Created);
            Assert.Null(c.Pid);

            var liveSink = scenario.Live[DeadBoxScenario.Key(c)];
            var sink = sinks[DeadBoxScenario.Key(c)];
            // The OCI spec, byte for byte.
            Assert.Equal(liveSink["spec.json"].Sha256, sink["spec.json"].Sha256);
            // The writable layer: the same paths, kinds and content hashes.
            Assert.Equal(Files(liveSink), Files(sink));
            Assert.Empty(sink.Errors);
        }
        Assert.Equal("created", Single(listed, "default", DeadBoxScenario.Created).State);
        Assert.Equal("running", Single(listed, "k8s.io", scenario.WriterId).State);
        Assert.Equal("unknown", Single(listed, "default", DeadBoxScenario.Running).State);

        // The planted file, and the deleted one as a whiteout.
        var running = sinks["default/" + DeadBoxScenario.Running];
        Assert.Equal("planted-by-test\n", running.Single(EvidenceSection.FilesystemChanged, "/planted.txt").Text);
        Assert.Equal(EntryKind.Whiteout, running.Single(EvidenceSection.FilesystemChanged, "/etc/hosts.allow").Kind);

        // The pod's container: the same CRI log files and the same lines, the long one joined back.
        var writer = sinks["k8s.io/" + scenario.WriterId];
        var liveWriter = scenario.Live["k8s.io/" + scenario.WriterId];
        Assert.Equal(liveWriter["files/0.log"].Sha256, writer["files/0.log"].Sha256);
        Assert.Equal(liveWriter["cri-parsed.jsonl"].Lines(), writer["cri-parsed.jsonl"].Lines());
        Assert.Contains(writer["cri-parsed.jsonl"].Lines(), l => l.Contains(DeadBoxScenario.LongLine, StringComparison.Ordinal));
        Assert.Equal("pod-planted\n", writer.Single(EvidenceSection.FilesystemChanged, "/pod-planted.txt").Text);
        using (var record = JsonDocument.Parse(writer["container-record.json"].Bytes!))
        {
            Assert.Equal(scenario.WriterId, record.RootElement.GetProperty("id").GetString());
            Assert.EndsWith("Z", record.RootElement.GetProperty("createdAt").GetString(), StringComparison.Ordinal);
            // The CRI plugin's metadata, embedded: it names the log file.
            Assert.EndsWith("/writer/0.log", record.RootElement.GetProperty("extensions").GetProperty("io.cri-containerd.container.metadata").GetProperty("json").GetProperty("Metadata").GetProperty("LogPath").GetString(), StringComparison.Ordinal);
        }
        Assert.True(writer.Has("cri-checkpoint/status"));

        // Engine: the databases byte-exact, the image's manifest and config from the content store.
        Assert.True(engine.Find("data-root/io.containerd.metadata.v1.bolt/meta.db")?.Status == EntryStatus.Collected);
        Assert.True(engine.Find("data-root/io.containerd.snapshotter.v1.overlayfs/metadata.db")?.Status == EntryStatus.Collected);
        Assert.Contains(engine.Under("namespaces/default/blobs/sha256/"), b => b.Status == EntryStatus.Collected);
        Assert.Contains("db-running", engine["meta-db/namespaces/default/snapshots.json"].Text, StringComparison.Ordinal);
        Assert.Empty(engine.Errors);
    }

    [EngineTheory(Engine.Containerd)]
    [InlineData("clean")]
    [InlineData("live")]
    public async Task FilesystemFull_StacksTheSnapshotOverItsParents_AsTheTasksRootfsShowsIt(string which)
    {
        var (image, runtime) = await scenario.OpenOfflineAsync(which == "clean" ? scenario.CleanCopy : scenario.LiveCopy);
        using var _ = image;
        await using var __ = runtime;
        var (_, sinks, _) = await DeadBoxScenario.CollectAsync(runtime, new CollectionOptions { Filesystem = FilesystemMode.Full });
        string busybox = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(await File.ReadAllBytesAsync("/bin/busybox")));

        foreach (var (key, planted, text) in new[] { ("default/" + DeadBoxScenario.Running, "/planted.txt", "planted-by-test\n"), ("k8s.io/" + scenario.WriterId, "/pod-planted.txt", "pod-planted\n") })
        {
            var sink = sinks[key];
            Assert.Empty(sink.Errors);
            Assert.Empty(sink.In(EvidenceSection.FilesystemChanged));
            // The image's file (the rig built the image from this machine's busybox-static), the planted one, nothing deleted.
            Assert.Equal(busybox, sink.Single(EvidenceSection.FilesystemFull, "/bin/busybox").Sha256);
            Assert.Equal(text, sink.Single(EvidenceSection.FilesystemFull, planted).Text);
            Assert.DoesNotContain(sink.In(EvidenceSection.FilesystemFull), i => i.Kind == EntryKind.Whiteout);
            // The same paths, kinds and content as the live collection read from the task's merged rootfs mount.
            Assert.Equal(Files(scenario.LiveFull[key]), Files(sink));
            var record = sink["filesystem-source.json"].Json;
            Assert.Equal("layer stack in the disk image", record.GetProperty("source").GetString());
            Assert.Contains(record.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("layer 2 of 2: image layer", StringComparison.Ordinal));
        }
        var running = sinks["default/" + DeadBoxScenario.Running];
        Assert.Null(running.Find(EvidenceSection.FilesystemFull, "/etc/hosts.allow"));
        Assert.NotNull(running.Find(EvidenceSection.FilesystemFull, "/etc/passwd"));
        Assert.Equal("deep\n", running.Single(EvidenceSection.FilesystemFull, "/var/tmp/d/f").Text);
        // The removed container's snapshot is a remnant with its parent: stacked too.
        var removed = sinks["default/" + DeadBoxScenario.Removed];
        Assert.Equal("removed\n", removed.Single(EvidenceSection.FilesystemFull, "/removed.txt").Text);
        Assert.Equal(busybox, removed.Single(EvidenceSection.FilesystemFull, "/bin/busybox").Sha256);
    }

    [EngineFact(Engine.Containerd)]
    public async Task RemovedContainers_AreRemnantsWithTheirFilesAndLogs()
    {
        var (image, runtime) = await scenario.OpenOfflineAsync(scenario.CleanCopy);
        using var _ = image;
        await using var __ = runtime;
        var (listed, sinks, _) = await DeadBoxScenario.CollectAsync(runtime);

        // ctr's removed container: its snapshot was not yet collected; its key is its id.
        var removed = Single(listed, "default", DeadBoxScenario.Removed);
        Assert.Equal("removed", removed.State);
        var sink = sinks["default/" + DeadBoxScenario.Removed];
        Assert.Equal("removed\n", sink.Single(EvidenceSection.FilesystemChanged, "/removed.txt").Text);
        Assert.Contains("no container record in meta.db owns it", sink["remnant.json"].Text, StringComparison.Ordinal);

        // The removed pod container: its snapshot (the CRI plugin keys it by the container id) ...
        Assert.Equal("doomed-file\n", sinks["k8s.io/" + scenario.DoomedId].Single(EvidenceSection.FilesystemChanged, "/doomed.txt").Text);
        // ... and its log folder, which the CRI plugin leaves to the kubelet, in the pod's folder.
        var logs = Assert.Single(listed, c => c.State == "removed" && c.PodMembership?.ContainerName == "doomed");
        Assert.Equal(scenario.PodUid, logs.PodMembership!.Uid);
        Assert.Contains(sinks[DeadBoxScenario.Key(logs)]["cri-parsed.jsonl"].Lines(), l => l.Contains("doomed-line", StringComparison.Ordinal));
        // A live record is never also a remnant.
        Assert.DoesNotContain(listed, c => c.State == "removed" && scenario.LiveListed.Any(l => DeadBoxScenario.Key(l) == DeadBoxScenario.Key(c)));
    }

    [EngineFact(Engine.Containerd)]
    public async Task CorruptedMetaDb_ReadsWhatItCan_RecordsEveryProblem_AndKeepsTheFiles()
    {
        string copy = await CopyOfCleanAsync("torn");
        string metaDb = copy + scenario.Box.DataRoot + "/io.containerd.metadata.v1.bolt/meta.db";
        byte[] bytes = await File.ReadAllBytesAsync(metaDb);
        // Flip the header of the page that holds the running container's bucket: that page is lost.
        int at = IndexOf(bytes, Encoding.ASCII.GetBytes(DeadBoxScenario.Running));
        Assert.True(at > 0, "the container's key is in meta.db");
        int pageSize = 4096;
        for (int i = at / pageSize * pageSize; i < at / pageSize * pageSize + 16; i++)
        {
            bytes[i] ^= 0xFF;
        }
        await File.WriteAllBytesAsync(metaDb, bytes);

        var (image, runtime) = await scenario.OpenOfflineAsync(copy);
        using var _ = image;
        await using var __ = runtime;
        var (listed, sinks, engine) = await DeadBoxScenario.CollectAsync(runtime);

        // Every problem met is an error record, naming the page.
        Assert.Contains(engine.ErrorTexts, e => e.Contains("meta.db", StringComparison.Ordinal) && e.Contains($"page {at / pageSize}", StringComparison.Ordinal));
        Assert.Contains($"page {at / pageSize}", engine["meta-db/database.json"].Text, StringComparison.Ordinal);
        // The running container's writable layer is still collected, as a record if one survived, else as a remnant.
        Assert.True(sinks.Values.Any(s => s.Find(EvidenceSection.FilesystemChanged, "/planted.txt")?.Text == "planted-by-test\n"),
            string.Join("\n", listed.Select(c => $"{DeadBoxScenario.Key(c)} {c.State} {string.Join(",", sinks[DeadBoxScenario.Key(c)].Names)} {string.Join(";", sinks[DeadBoxScenario.Key(c)].ErrorTexts)}")) + "\n" + string.Join("\n", engine.ErrorTexts));
        // The pod's log is still collected.
        Assert.Contains(sinks.Values, s => s.Find("cri-parsed.jsonl")?.Text.Contains("end-of-writer", StringComparison.Ordinal) == true);
    }

    [EngineFact(Engine.Containerd)]
    public async Task UnreadableMetaDb_EverythingOnDiskIsARemnant()
    {
        string copy = await CopyOfCleanAsync("truncated");
        string metaDb = copy + scenario.Box.DataRoot + "/io.containerd.metadata.v1.bolt/meta.db";
        using (var f = File.OpenWrite(metaDb))
        {
            f.SetLength(100);
        }
        // Without records nothing names the pods' log folder: it is looked for where the kubelet keeps it.
        Directory.CreateDirectory(copy + "/var/log");
        Directory.Move(copy + scenario.Box.PodLogs, copy + "/var/log/pods");
        var (image, runtime) = await scenario.OpenOfflineAsync(copy);
        using var _ = image;
        await using var __ = runtime;
        var (listed, sinks, engine) = await DeadBoxScenario.CollectAsync(runtime);

        Assert.Contains(engine.ErrorTexts, e => e.Contains("meta.db", StringComparison.Ordinal));
        Assert.All(listed, c => Assert.Equal("removed", c.State));
        Assert.True(sinks.Values.Any(s => s.Find(EvidenceSection.FilesystemChanged, "/planted.txt")?.Text == "planted-by-test\n"),
            string.Join("\n", listed.Select(c => $"{DeadBoxScenario.Key(c)} {c.State} {string.Join(",", sinks[DeadBoxScenario.Key(c)].Names)} {string.Join(";", sinks[DeadBoxScenario.Key(c)].ErrorTexts)}")) + "\n" + string.Join("\n", engine.ErrorTexts));
        Assert.Contains(sinks.Values, s => s.Find("cri-parsed.jsonl")?.Text.Contains("end-of-writer", StringComparison.Ordinal) == true);
    }

    [EngineFact(Engine.Containerd)]
    public async Task HostileCopy_LinksFifosAndBrokenFiles_AreRecorded_NothingOfTheHostIsRead()
    {
        string copy = await CopyOfCleanAsync("hostile");
        string root = copy + scenario.Box.DataRoot;
        // The running container's upper directory replaced by a link to the host's /etc.
        string upper = Directory.GetDirectories(root + "/io.containerd.snapshotter.v1.overlayfs/snapshots")
            .Select(d => d + "/fs").Single(d => File.Exists(d + "/planted.txt"));
        Directory.Delete(upper, recursive: true);
        File.CreateSymbolicLink(upper, "/etc");
        // The pod's log folder a link out to the host's /var/log.
        string writerLogs = copy + scenario.PodFolder + "/writer";
        Directory.Delete(writerLogs, recursive: true);
        File.CreateSymbolicLink(writerLogs, "/var/log");
        // The CRI status checkpoint cut short.
        string status = root + "/io.containerd.grpc.v1.cri/containers/" + scenario.WriterId + "/status";
        await File.WriteAllTextAsync(status, "{\"Version\":\"v1\",\"Sta");
        // The snapshotter's database a FIFO: never opened (an open would block).
        string snapshotterDb = root + "/io.containerd.snapshotter.v1.native/metadata.db";
        Directory.CreateDirectory(Path.GetDirectoryName(snapshotterDb)!);
        Assert.Equal(0, Process.Start("mkfifo", [snapshotterDb])!.WaitForExitAsync().ContinueWith(_ => 0).Result);

        var (image, runtime) = await scenario.OpenOfflineAsync(copy);
        using var _ = image;
        await using var __ = runtime;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var (listed, sinks, engine) = await DeadBoxScenario.CollectAsync(runtime).WaitAsync(timeout.Token);

        var running = sinks["default/" + DeadBoxScenario.Running];
        Assert.Empty(running.In(EvidenceSection.FilesystemChanged));
        Assert.Contains(running.ErrorTexts, e => e.Contains("cannot be opened", StringComparison.Ordinal) || e.Contains("not collected", StringComparison.Ordinal));
        var writer = sinks["k8s.io/" + scenario.WriterId];
        Assert.DoesNotContain(writer.In(EvidenceSection.Logs), i => i.Status == EntryStatus.Collected && i.Item.Name!.StartsWith("files/", StringComparison.Ordinal) && i.Item.Name != "files/0.log");
        Assert.False(writer.Has("files/0.log") && writer["files/0.log"].Status == EntryStatus.Collected);
        Assert.Equal("unknown", Single(listed, "k8s.io", scenario.WriterId).State);
        Assert.Contains(engine.ErrorTexts, e => e.Contains("native", StringComparison.Ordinal) && e.Contains("fifo", StringComparison.OrdinalIgnoreCase));
        // Nothing read anywhere came from this host's /etc or /var/log.
        foreach (var s in sinks.Values.Append(engine))
        {
            Assert.DoesNotContain(s.Items, i => i.Item.Source?.OriginalPath is { } p && !Encoding.UTF8.GetString(p).StartsWith(copy, StringComparison.Ordinal));
        }
    }

    [EngineFact(Engine.Containerd)]
    public async Task NamespaceOption_NarrowsRecordsAndRemnants()
    {
        var (image, runtime) = await scenario.OpenOfflineAsync(scenario.CleanCopy, new RuntimeSettings().With(ContainerdOptions.Namespace, "default"));
        using var _ = image;
        await using var __ = runtime;
        var listed = await runtime.ListContainersAsync(default);
        Assert.NotEmpty(listed);
        Assert.All(listed, c => Assert.Equal("default", c.RuntimeNamespace));
    }

    private async Task<string> CopyOfCleanAsync(string name)
    {
        string copy = scenario.Box.Folder + "/copy-" + name;
        using var cp = Process.Start("cp", ["-a", scenario.CleanCopy, copy])!;
        await cp.WaitForExitAsync();
        Assert.Equal(0, cp.ExitCode);
        return copy;
    }

    private static ContainerInfo Single(IReadOnlyList<ContainerInfo> listed, string ns, string id) =>
        Assert.Single(listed, c => c.RuntimeNamespace == ns && c.Id == id);

    /// <summary>The filesystem entries as (path, kind, content hash), in path order.</summary>
    private static List<string> Files(RecordingSink sink) =>
        [.. sink.Items.Where(i => i.Item.Section is EvidenceSection.FilesystemChanged or EvidenceSection.FilesystemFull)
            .Select(i => $"{i.Item.Section} {i.Path} {i.Kind} {i.Sha256}").Order(StringComparer.Ordinal)];

    private static int IndexOf(byte[] haystack, byte[] needle) => haystack.AsSpan().IndexOf(needle);
}
