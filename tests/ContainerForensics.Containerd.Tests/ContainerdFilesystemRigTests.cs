using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// The filesystem phase and the engine-wide evidence against the rig's real containerd: files
/// planted and deleted in containers of two namespaces, hashes checked against bytes read
/// independently (through /proc/PID/root, or the bytes planted), blobs against their digests.
/// </summary>
public sealed class ContainerdFilesystemRigTests
{
    private static readonly string[] Namespaces = ["default", "k8s.io"];

    private static async Task<ContainerdRuntime> ConnectAsync(Ctr ctr) =>
        await ContainerdRuntime.ConnectAsync(ctr.Address, new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(15) }, default);

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>Starts a container that plants a file and deletes an image file, and waits until both happened.</summary>
    private static async Task<(ContainerInfo Container, int Pid, byte[] Planted)> PlantAsync(Ctr ctr, ContainerdRuntime runtime, string ns, string snapshotter = "overlayfs")
    {
        string marker = "planted " + Guid.NewGuid().ToString("N");
        string id = await ctr.RunShellAsync(ns, $"echo '{marker}' > /planted.txt && rm /bin/ls && touch /done && sleep 3600", snapshotter);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60)); // hang guard
        while (true)
        {
            var container = (await runtime.ListContainersAsync(guard.Token)).Single(c => c.Id == id && c.RuntimeNamespace == ns);
            if (await runtime.GetInitPidAsync(container, guard.Token) is { } pid && File.Exists($"/proc/{pid}/root/done"))
            {
                return (container, pid, Encoding.UTF8.GetBytes(marker + "\n"));
            }
            await Task.Delay(100, guard.Token);
        }
    }

    private static RecordingSink.Recorded ByPath(RecordingSink sink, EvidenceSection section, string path) =>
        sink.Items.Single(i => i.Item.Section == section && i.Item.RawPath is { } raw && raw.AsSpan().SequenceEqual(Encoding.UTF8.GetBytes(path)));

    [EngineFact(Engine.Containerd)]
    public async Task Changed_PlantedFileAndWhiteout_InTwoNamespaces()
    {
        await using var ctr = new Ctr();
        await using var runtime = await ConnectAsync(ctr);
        foreach (string ns in Namespaces)
        {
            var (container, pid, planted) = await PlantAsync(ctr, runtime, ns);
            var sink = new RecordingSink();

            await runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, new CollectionOptions { Filesystem = FilesystemMode.Changed }, default);

            using var record = JsonDocument.Parse(sink["filesystem-source.json"].Bytes);
            Assert.Equal("overlay upperdir", record.RootElement.GetProperty("source").GetString());
            Assert.Equal("overlayfs", record.RootElement.GetProperty("snapshotter").GetString());
            Assert.StartsWith("overlay ", record.RootElement.GetProperty("snapshotMounts")[0].GetString(), StringComparison.Ordinal);
            var file = ByPath(sink, EvidenceSection.FilesystemChanged, "/planted.txt");
            Assert.Equal(EntryStatus.Collected, file.Item.Status);
            // Read to the end and closed as the archive writer does: the source's closing check found nothing.
            Assert.Null(file.Note);
            Assert.Equal(EntryStatus.Collected, file.Status);
            Assert.Equal(Sha256(planted), Sha256(file.Bytes!));
            Assert.Equal(Sha256(await File.ReadAllBytesAsync($"/proc/{pid}/root/planted.txt")), Sha256(file.Bytes!));
            var deleted = ByPath(sink, EvidenceSection.FilesystemChanged, "/bin/ls");
            Assert.Equal(EntryKind.Whiteout, deleted.Item.Metadata.Kind);
            Assert.Null(deleted.Bytes);
            // Only the writable layer: the image's busybox is not in it.
            Assert.DoesNotContain(sink.Items, i => i.Item.RawPath is { } raw && raw.AsSpan().SequenceEqual("/bin/busybox"u8));
            Assert.Empty(sink.Errors);
        }
    }

    [EngineFact(Engine.Containerd)]
    public async Task Full_RunningTask_IsTheMergedRootfs()
    {
        await using var ctr = new Ctr();
        await using var runtime = await ConnectAsync(ctr);
        var (container, pid, planted) = await PlantAsync(ctr, runtime, "default");
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, new CollectionOptions { Filesystem = FilesystemMode.Full }, default);

        using var record = JsonDocument.Parse(sink["filesystem-source.json"].Bytes);
        Assert.Equal("task rootfs (overlay merged)", record.RootElement.GetProperty("source").GetString());
        Assert.EndsWith($"/io.containerd.runtime.v2.task/default/{container.Id}/rootfs", record.RootElement.GetProperty("path").GetString(), StringComparison.Ordinal);
        var busybox = ByPath(sink, EvidenceSection.FilesystemFull, "/bin/busybox");
        Assert.Equal(EntryStatus.Collected, busybox.Item.Status);
        Assert.Equal(Sha256(await File.ReadAllBytesAsync($"/proc/{pid}/root/bin/busybox")), Sha256(busybox.Bytes!));
        Assert.Equal(Sha256(planted), Sha256(ByPath(sink, EvidenceSection.FilesystemFull, "/planted.txt").Bytes!));
        // Merged: the deleted file is simply absent, not a whiteout.
        Assert.DoesNotContain(sink.Items, i => i.Item.RawPath is { } raw && raw.AsSpan().SequenceEqual("/bin/ls"u8));
        Assert.Empty(sink.Errors);
    }

    /// <summary>
    /// The container removed once the walk of the task's rootfs is inside /bin. containerd's shim
    /// unmounts a rootfs without MNT_DETACH, so while the walk holds it open a plain
    /// <c>ctr tasks delete</c> fails with EBUSY and nothing vanishes; the test detaches it first
    /// (<c>umount -l</c>, as dockerd does on <c>docker rm</c>) and then deletes the container. The
    /// walk stops at the next directory, and every name of an undisturbed collection is an entry
    /// or below one recorded as not walked.
    /// </summary>
    [EngineFact(Engine.Containerd)]
    public async Task Full_ContainerRemovedMidWalk_IsGoneAndEveryNameAccounted()
    {
        await using var ctr = new Ctr();
        await using var runtime = await ConnectAsync(ctr);
        var (container, _, _) = await PlantAsync(ctr, runtime, "default");
        var options = new CollectionOptions { Filesystem = FilesystemMode.Full };
        var whole = new RecordingSink();
        await runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, whole, options, default);
        string rootfs;
        using (var record = JsonDocument.Parse(whole["filesystem-source.json"].Bytes))
        {
            rootfs = record.RootElement.GetProperty("path").GetString()!;
        }
        var names = whole.Items.Where(i => i.Item.Section == EvidenceSection.FilesystemFull).Select(i => Encoding.UTF8.GetString(i.Item.RawPath!)).ToList();
        Assert.Contains("/planted.txt", names);
        bool removed = false;
        var sink = new RecordingSink
        {
            AfterAdd = async recorded =>
            {
                if (!removed && recorded.Item.RawPath is { } raw && raw.AsSpan().SequenceEqual("/bin/arch"u8))
                {
                    removed = true;
                    await RunAsync("umount", "-l", rootfs);
                    await ctr.DeleteAsync("default", container.Id);
                }
            },
        };

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() => runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, options, default));

        Assert.True(removed);
        Assert.Equal(container.Id, gone.ContainerId);
        // The files of /bin were listed before the removal and are still read through the open directory; the next listing is not trusted.
        Assert.Contains(sink.ErrorTexts, e => e.Contains("the walk stopped at", StringComparison.Ordinal) && e.Contains("the last entry written was '/bin/", StringComparison.Ordinal));
        var got = sink.Items.Where(i => i.Item.Section == EvidenceSection.FilesystemFull).ToDictionary(i => Encoding.UTF8.GetString(i.Item.RawPath!), i => i.Item);
        var cut = Assert.Single(got.Values, i => i.Reason?.StartsWith("the walk stopped here", StringComparison.Ordinal) == true);
        Assert.Equal(EntryStatus.Partial, cut.Status);
        foreach (var name in names)
        {
            bool accounted = got.ContainsKey(name) || got.Any(g => name.StartsWith(g.Key + "/", StringComparison.Ordinal)
                && (g.Value.Status == EntryStatus.Missing || (g.Value.Status == EntryStatus.Partial && g.Value.Metadata.Kind == EntryKind.Directory)));
            Assert.True(accounted, $"{name} is neither an entry nor below a directory recorded as not walked");
        }
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using var p = System.Diagnostics.Process.Start(file, args);
        await p.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(60)).Token);
        Assert.Equal(0, p.ExitCode);
    }

    [EngineFact(Engine.Containerd)]
    public async Task Changed_NativeSnapshotter_TheSnapshotIsTheWholeTree()
    {
        await using var ctr = new Ctr();
        await using var runtime = await ConnectAsync(ctr);
        var (container, pid, planted) = await PlantAsync(ctr, runtime, "default", "native");
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, new CollectionOptions { Filesystem = FilesystemMode.Changed }, default);

        using var record = JsonDocument.Parse(sink["filesystem-source.json"].Bytes);
        Assert.Equal("native", record.RootElement.GetProperty("snapshotter").GetString());
        Assert.Equal("snapshot directory", record.RootElement.GetProperty("source").GetString());
        Assert.StartsWith("bind ", record.RootElement.GetProperty("snapshotMounts")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(Sha256(await File.ReadAllBytesAsync($"/proc/{pid}/root/bin/busybox")), Sha256(ByPath(sink, EvidenceSection.FilesystemFull, "/bin/busybox").Bytes!));
        Assert.Equal(Sha256(planted), Sha256(ByPath(sink, EvidenceSection.FilesystemFull, "/planted.txt").Bytes!));
        Assert.DoesNotContain(sink.Items, i => i.Item.Section == EvidenceSection.FilesystemChanged);
        Assert.Empty(sink.Errors);
    }

    [EngineFact(Engine.Containerd)]
    public async Task Full_StoppedTask_FallsBackToTheWritableLayerAndSaysWhy()
    {
        await using var ctr = new Ctr();
        await using var runtime = await ConnectAsync(ctr);
        string id = await ctr.CreateAsync("default");
        var container = (await runtime.ListContainersAsync(default)).Single(c => c.Id == id);
        var sink = new RecordingSink();

        await runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, new CollectionOptions { Filesystem = FilesystemMode.Full }, default);

        using var record = JsonDocument.Parse(sink["filesystem-source.json"].Bytes);
        Assert.Equal("overlay upperdir", record.RootElement.GetProperty("source").GetString());
        Assert.Contains("no running task", record.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
    }

    [EngineFact(Engine.Containerd)]
    public async Task Engine_ImagesAndTheirBlobs_MatchTheirDigests_PerNamespace()
    {
        await using var ctr = new Ctr();
        await using var runtime = await ConnectAsync(ctr);
        var sink = new RecordingSink();

        await runtime.CollectEngineAsync(sink, new CollectionOptions(), default);

        Assert.Equal(EntryStatus.Skipped, sink["events.jsonl"].Item.Status);
        foreach (string ns in Namespaces)
        {
            string folder = $"namespaces/{ns}/";
            using var images = JsonDocument.Parse(sink[folder + "images.json"].Bytes);
            var image = images.RootElement.GetProperty("images").EnumerateArray().Single(i => i.GetProperty("name").GetString() == ctr.Image);
            string manifestDigest = image.GetProperty("target").GetProperty("digest").GetString()!;
            var manifest = sink[folder + "blobs/" + manifestDigest.Replace(':', '/')];
            Assert.Equal(EntryStatus.Collected, manifest.Item.Status);
            Assert.Equal(manifestDigest, "sha256:" + Sha256(manifest.Bytes!));

            using var manifestJson = JsonDocument.Parse(manifest.Bytes);
            string configDigest = manifestJson.RootElement.GetProperty("config").GetProperty("digest").GetString()!;
            var config = sink[folder + "blobs/" + configDigest.Replace(':', '/')];
            Assert.Equal(EntryStatus.Collected, config.Item.Status);
            Assert.Equal(configDigest, "sha256:" + Sha256(config.Bytes!));
            Assert.Contains(ContainerdMethodsPath("Content", "Read"), config.Item.Source!.Description, StringComparison.Ordinal);

            using var index = JsonDocument.Parse(sink[folder + "content-index.json"].Bytes);
            Assert.Contains(index.RootElement.GetProperty("info").EnumerateArray(), i => i.GetProperty("digest").GetString() == configDigest);
            Assert.Equal(EntryStatus.Collected, sink[folder + "leases.json"].Item.Status);
        }
        Assert.Empty(sink.Errors);
    }

    private static string ContainerdMethodsPath(string service, string method) => $"/containerd.services.{service.ToLowerInvariant()}.v1.{service}/{method}";
}
