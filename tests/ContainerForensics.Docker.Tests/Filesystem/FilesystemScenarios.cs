using ContainerForensics.Core.FileSystem.Trees;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Filesystem;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Engine;
using ContainerForensics.Docker.Transport;
using Xunit.Abstractions;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// The filesystem phase against the real engines, written once and run against Docker and Podman
/// (<see cref="DockerFilesystemTests"/>, <see cref="PodmanFilesystemTests"/>). Each scenario plants
/// what an intruder leaves behind in a running container with the engine's own <c>exec</c>, collects,
/// and compares with what the engine's CLI says independently (<c>cp</c>, <c>export | tar -t</c>).
/// </summary>
internal sealed class FilesystemScenarios(EngineCli cli, ITestOutputHelper output) : IAsyncDisposable
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(60);

    /// <summary>A FIFO opened for reading would block forever; the phase has to end well before this.</summary>
    private static readonly TimeSpan PhaseBudget = TimeSpan.FromMinutes(2);

    /// <summary>
    /// A dropped binary in a hidden directory, a webshell with a second (hard) link, a backdoor
    /// account, a file of the image deleted (/bin/uname, a busybox symlink in the image), a FIFO,
    /// a symlink pointing at /etc/shadow, and a directory of the image replaced by a new one
    /// (overlayfs makes it opaque).
    /// </summary>
    private const string PlantScript = """
        set -e
        mkdir -p /var/tmp/.x && cp /bin/busybox /var/tmp/.x/.kworker
        mkdir -p /var/www && printf '<?php system($_GET["c"]); ?>\n' > /var/www/shell.php
        ln /var/www/shell.php /var/www/.hl
        echo 'evil:x:0:0::/root:/bin/sh' >> /etc/passwd
        test -L /bin/uname && rm /bin/uname
        mkfifo /tmp/p
        ln -s /etc/shadow /tmp/evil
        test -L /usr/sbin/arping && rm -rf /usr/sbin && mkdir /usr/sbin && echo implant > /usr/sbin/implant
        """;

    private readonly EngineShell _shell = new(cli);
    private readonly List<string> _containers = [];
    private readonly List<string> _volumes = [];
    private readonly List<string> _directories = [];
    private DockerRuntime? _runtime;

    private string ApiChangesSource => cli.Engine == TestSupport.Engine.Podman ? "engine API: /changes + filtered /export" : "engine API: /changes + /archive";

    public async Task ChangedComesFromTheUpperDir(bool stopped)
    {
        var (name, id) = Plant("changed");
        var expected = Expected(name);
        if (stopped)
        {
            cli.Run("stop", "-t", "0", name);
        }
        var sink = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Changed });

        var record = SourceRecord(sink);
        Assert.Equal("changed", record.GetProperty("mode").GetString());
        Assert.Equal("overlay upperdir", record.GetProperty("source").GetString());
        Assert.Equal(cli.Inspect(name, "{{.GraphDriver.Data.UpperDir}}"), record.GetProperty("path").GetString());
        Assert.Equal(cli.Engine == TestSupport.Engine.Podman ? "overlay" : "overlay2", record.GetProperty("graphDriver").GetString());
        AssertChanged(sink, expected);
        // The upper directory is the layer as the kernel keeps it: the whiteout is the 0:0 device.
        var whiteout = sink.Single(EvidenceSection.FilesystemChanged, "/bin/uname");
        Assert.Equal(0u, whiteout.Item.Metadata.DeviceMajor);
        Assert.Equal(0u, whiteout.Item.Metadata.DeviceMinor);
        // The replaced directory is opaque: kept with its xattr and a reason, its old children are not listed one by one.
        var opaque = sink.Single(EvidenceSection.FilesystemChanged, "/usr/sbin");
        Assert.Equal(EntryKind.Directory, opaque.Kind);
        Assert.Equal("opaque directory: the image's content below it is hidden", opaque.Item.Reason);
        Assert.Contains(opaque.Item.Metadata.ExtendedAttributes, x => x.Key == "trusted.overlay.opaque" && x.Value.SequenceEqual("y"u8.ToArray()));
        Assert.Null(sink.Find(EvidenceSection.FilesystemChanged, "/usr/sbin/arping"));
    }

    public async Task ChangedComesFromTheApiWithoutHostPaths()
    {
        var (name, id) = Plant("changed-api");
        var expected = Expected(name);
        var sink = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Changed }, HostPathAccess.Disabled("test: engine API only"));

        var record = SourceRecord(sink);
        Assert.Equal(ApiChangesSource, record.GetProperty("source").GetString());
        Assert.Contains("test: engine API only", record.GetProperty("why").GetString(), StringComparison.Ordinal);
        AssertChanged(sink, expected);
        // The API view is /changes: the modified parents are there as directories, nothing else of the image.
        Assert.Equal(EntryKind.Directory, sink.Single(EvidenceSection.FilesystemChanged, "/etc").Kind);
        Assert.Equal(EntryKind.Directory, sink.Single(EvidenceSection.FilesystemChanged, "/var/www").Kind);
        // /changes has no opaque directories: Docker lists each hidden child as deleted, Podman the directory itself.
        string replaced = cli.Engine == TestSupport.Engine.Podman ? "/usr/sbin" : "/usr/sbin/arping";
        Assert.Equal(EntryKind.Whiteout, sink.Single(EvidenceSection.FilesystemChanged, replaced).Kind);
    }

    public async Task FullOfAStoppedContainerComesFromTheExport()
    {
        var (name, id) = Plant("full-export");
        var expected = Expected(name);
        cli.Run("stop", "-t", "0", name);
        int members = _shell.ExportMemberCount(name);
        var sink = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Full });

        var record = SourceRecord(sink);
        Assert.Equal("full", record.GetProperty("mode").GetString());
        Assert.Equal("engine API: /export", record.GetProperty("source").GetString());
        Assert.Contains("exited", record.GetProperty("why").GetString(), StringComparison.Ordinal);
        AssertFull(sink, expected);
        // The export's hard link stays a link: one name is the file, the other a record naming it.
        var names = new[] { "/var/www/.hl", "/var/www/shell.php" };
        var link = Assert.Single(names.Select(n => sink.Single(EvidenceSection.FilesystemFull, n)), i => i.Kind == EntryKind.HardLink);
        Assert.Null(link.Sha256);
        Assert.Contains(link.LinkTarget, names.Where(n => n != link.Path));
        Assert.Equal(expected.Shell, sink.Single(EvidenceSection.FilesystemFull, link.LinkTarget!).Sha256);
        // One item per member of the engine's own export (it has no entry for "/" either).
        Assert.Equal(members, sink.In(EvidenceSection.FilesystemFull).Count());
        output.WriteLine($"export members {members}, items {sink.In(EvidenceSection.FilesystemFull).Count()}");
    }

    public async Task FullOfARunningContainerComesFromTheMergedDir()
    {
        var (name, id) = Plant("full-merged");
        var expected = Expected(name);
        int members = _shell.ExportMemberCount(name);
        var sink = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Full });

        var record = SourceRecord(sink);
        Assert.Equal("overlay mergeddir", record.GetProperty("source").GetString());
        Assert.Equal(cli.Inspect(name, "{{.GraphDriver.Data.MergedDir}}"), record.GetProperty("path").GetString());
        AssertFull(sink, expected);
        // Both names of the hard-linked webshell are files with the same inode; the archive writer stores the second as a link.
        var a = sink.Single(EvidenceSection.FilesystemFull, "/var/www/.hl");
        var b = sink.Single(EvidenceSection.FilesystemFull, "/var/www/shell.php");
        Assert.Equal(a.Item.Metadata.Inode, b.Item.Metadata.Inode);
        Assert.Equal(2ul, a.Item.Metadata.LinkCount);
        // The merged root seen from the host is what the export reads: the same names, one item each.
        int items = sink.In(EvidenceSection.FilesystemFull).Count();
        output.WriteLine($"export members {members}, merged-dir items {items}");
        Assert.Equal(members, items);
    }

    public async Task VolumesAreCollectedOnlyWithTheOption(bool throughTheApi)
    {
        string volume = EngineCli.NewName("vol");
        cli.Run("volume", "create", volume);
        _volumes.Add(volume);
        string bind = Directory.CreateTempSubdirectory("cfir-bind-").FullName;
        _directories.Add(bind);
        await File.WriteAllTextAsync(Path.Combine(bind, "host-secret"), "not evidence of the container");
        var (name, id) = Plant("volumes", "-v", $"{volume}:/data", "-v", $"{bind}:/bind");
        cli.Run("exec", name, "sh", "-c", "echo exfil > /data/loot.txt && mkdir /data/.cache && cp /bin/busybox /data/.cache/nc");
        string loot = _shell.Sha256Of(name, "/data/loot.txt");
        string tool = _shell.Sha256Of(name, "/data/.cache/nc");
        var hostPaths = throughTheApi ? HostPathAccess.Disabled("test: engine API only") : null;

        var without = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Changed }, hostPaths);
        Assert.Empty(without.In(EvidenceSection.Volumes));
        var notCollected = SourceRecord(without).GetProperty("notCollected").EnumerateArray().ToList();
        Assert.Contains(notCollected, m => m.TryGetProperty("name", out var n) && n.GetString() == volume && m.GetProperty("why").GetString()!.Contains("--volumes", StringComparison.Ordinal));
        // /archive reads through mounts: the API source must still keep to the layer (the mount points themselves at most).
        Assert.DoesNotContain(without.In(EvidenceSection.FilesystemChanged), i => i.Path!.StartsWith("/data/", StringComparison.Ordinal) || i.Path.StartsWith("/bind/", StringComparison.Ordinal));

        var with = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.None, Volumes = true }, hostPaths);
        Assert.Empty(with.Errors);
        Assert.Empty(with.In(EvidenceSection.FilesystemChanged));
        Assert.Equal(EntryKind.Directory, with.Single(EvidenceSection.Volumes, "/" + volume).Kind);
        var lootItem = with.Single(EvidenceSection.Volumes, $"/{volume}/loot.txt");
        Assert.Equal(loot, lootItem.Sha256);
        // Named after the volume in the archive; the manifest's source path is where the container saw it.
        Assert.Equal("/data/loot.txt", System.Text.Encoding.UTF8.GetString(lootItem.Item.Source!.OriginalPath!));
        Assert.Equal(tool, with.Single(EvidenceSection.Volumes, $"/{volume}/.cache/nc").Sha256);
        Assert.Equal(4, with.In(EvidenceSection.Volumes).Count());
        var record = SourceRecord(with);
        Assert.Equal("none", record.GetProperty("mode").GetString());
        var v = Assert.Single(record.GetProperty("volumes").EnumerateArray());
        Assert.Equal(volume, v.GetProperty("name").GetString());
        Assert.Equal("/data", v.GetProperty("destination").GetString());
        Assert.Equal(throughTheApi ? "engine API: /archive" : "volume directory", v.GetProperty("source").GetString());
        // The bind mount is the host's: listed, not collected.
        var b = Assert.Single(record.GetProperty("notCollected").EnumerateArray(), m => m.GetProperty("type").GetString() == "bind");
        Assert.Equal("bind mount: content not collected (host path)", b.GetProperty("why").GetString());
        Assert.DoesNotContain(with.Items, i => i.Path?.Contains("host-secret", StringComparison.Ordinal) == true);
    }

    /// <summary>Removed from inside the sink on the 3rd item: deterministic (capture and write in lockstep), in the middle of the walk of its upper directory.</summary>
    public async Task ContainerRemovedDuringTheUpperDirWalk()
    {
        var (name, id) = Plant("gone-walk");
        var container = await ContainerAsync(id);
        var runtime = await RuntimeAsync();
        var sink = new RecordingSink { KeepBytes = 64 * 1024, AfterAdd = r => { if (r.Number == 3) { cli.Remove(name); } return Task.CompletedTask; } };

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() =>
            runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, new CollectionOptions { Filesystem = FilesystemMode.Changed, CaptureAhead = 0 }, CancellationToken.None).WaitAsync(PhaseBudget));

        Assert.Equal(id, gone.ContainerId);
        // What came before stays: the source record and the first two entries of the layer.
        Assert.Equal(FilesystemSourceRecord.Name, sink.Items[0].Item.Name);
        Assert.Equal(["/bin", "/bin/uname"], sink.Items.Skip(1).Take(2).Select(i => i.Path));
        // What was not walked is recorded, never collected: where the walk stopped, and each name left.
        var rest = sink.Items.Skip(3).ToList();
        Assert.NotEmpty(rest);
        Assert.StartsWith("the walk stopped here", rest[0].Item.Reason, StringComparison.Ordinal);
        Assert.All(rest, i => Assert.True(i.Status is EntryStatus.Partial or EntryStatus.Missing, $"{i.Path} is {i.Status}"));
        Assert.All(rest.Skip(1), i => Assert.StartsWith("not walked: the walk stopped at", i.Item.Reason, StringComparison.Ordinal));
        Assert.Contains(sink.Errors, e => e.Text.Contains("vanished after 2 entries", StringComparison.Ordinal) && e.Text.Contains("the last entry written was '/bin/uname'", StringComparison.Ordinal));
    }

    /// <summary>
    /// Full, from the merged directory of a running container, removed once the walk is inside
    /// /bin (the entry after /bin/arch: deterministic, from the run's own archive writer). The
    /// overlay is unmounted and its layers deleted: directories listed from then on come back
    /// empty, without an error. The run must say so, and account for every name the container had.
    /// </summary>
    public async Task ContainerRemovedDuringTheMergedDirWalk()
    {
        var (name, id) = Plant("gone-merged");
        var whole = (await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Full }))
            .In(EvidenceSection.FilesystemFull).Select(i => i.Path!).ToList();
        Assert.Contains("/etc/passwd", whole);
        var runtime = await RuntimeAsync();
        ArchiveEntry? removedAfter = null;
        var archive = new RecordingArchiveWriter
        {
            KeepBytes = 0,
            AfterAdd = r =>
            {
                if (removedAfter is null && r.Entry.Path.Value.EndsWith("/filesystem/full/bin/arch", StringComparison.Ordinal))
                {
                    removedAfter = r.Entry;
                    cli.Remove(name);
                }
                return Task.CompletedTask;
            },
        };
        var options = new CollectionOptions { Filesystem = FilesystemMode.Full, Selector = new ContainerSelector { Names = [name] } };

        var result = await new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None)
            .RunAsync([runtime], options, archive, CancellationToken.None).WaitAsync(PhaseBudget);

        Assert.NotNull(removedAfter);
        // Partial: the vanish is recorded with its phase and the point reached.
        Assert.Equal(CollectionPhase.Filesystem, Assert.Single(result.Gone).Value);
        Assert.True(result.Failures > 0);
        var vanished = Assert.Single(archive.Errors, e => e.Message.Contains("container vanished during the filesystem phase", StringComparison.Ordinal));
        Assert.Contains("the last entry captured was " + vanished.Path, vanished.Message, StringComparison.Ordinal);
        Assert.Contains("/filesystem/full/", vanished.Path, StringComparison.Ordinal);
        Assert.Contains("the walk stopped at", vanished.Message, StringComparison.Ordinal);

        var got = archive.InContainer("filesystem/full").ToDictionary(g => g.Key, g => g.Value.Entry, StringComparer.Ordinal);
        var cut = Assert.Single(got.Values, e => e.Reason?.StartsWith("the walk stopped here", StringComparison.Ordinal) == true);
        Assert.Equal(EntryStatus.Partial, cut.Status);
        Assert.Equal(EntryKind.Directory, cut.Metadata.Kind);
        // Every name of the undisturbed collection is an entry, or below one recorded as not walked.
        foreach (var path in whole)
        {
            bool accounted = got.ContainsKey(path) || got.Any(g => path.StartsWith(g.Key + "/", StringComparison.Ordinal)
                && (g.Value.Status == EntryStatus.Missing || (g.Value.Status == EntryStatus.Partial && g.Value.Metadata.Kind == EntryKind.Directory)));
            Assert.True(accounted, $"{path} is neither an entry nor below a directory recorded as not walked");
        }
        // A directory is never "collected" with fewer names than it had.
        foreach (var (path, entry) in got.Where(g => g.Value.Metadata.Kind == EntryKind.Directory && g.Value.Status == EntryStatus.Collected))
        {
            Assert.All(whole.Where(w => ContainerPath.Show(ContainerPath.Parent(System.Text.Encoding.UTF8.GetBytes(w))) == path), child => Assert.True(got.ContainsKey(child), $"{child} of collected {path} has no entry"));
        }
        output.WriteLine($"undisturbed {whole.Count} names; after the removal {got.Count} entries, cut at {System.Text.Encoding.UTF8.GetString(cut.Source!.OriginalPath!)}, {got.Values.Count(e => e.Status == EntryStatus.Missing)} missing");
    }

    /// <summary>
    /// Removed on the 3rd item of an export: both engines go on streaming the removed container's
    /// filesystem to its end (checked on Docker 20.10 and Podman 4.3.1: the root stays mounted,
    /// detached, while the export reads it), so the phase completes. If an engine cuts the stream
    /// instead, the phase must end as "gone" with the items before kept.
    /// </summary>
    public async Task ContainerRemovedDuringTheExport()
    {
        var (name, id) = Plant("gone-export");
        cli.Run("stop", "-t", "0", name);
        var container = await ContainerAsync(id);
        var runtime = await RuntimeAsync();
        var sink = new RecordingSink { KeepBytes = 64 * 1024, AfterAdd = r => { if (r.Number == 3) { cli.Remove(name); } return Task.CompletedTask; } };
        try
        {
            await runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, new CollectionOptions { Filesystem = FilesystemMode.Full }, CancellationToken.None).WaitAsync(PhaseBudget);
            Assert.Empty(sink.Errors);
            Assert.Contains(sink.In(EvidenceSection.FilesystemFull), i => i.Path == "/var/tmp/.x/.kworker" && i.Status == EntryStatus.Collected);
            output.WriteLine($"export completed after the removal: {sink.Items.Count} items");
        }
        catch (ContainerGoneException)
        {
            Assert.True(sink.Items.Count >= 3);
            Assert.NotEmpty(sink.Errors);
            output.WriteLine($"export cut by the removal after {sink.Items.Count} items");
        }
        Assert.Throws<InvalidOperationException>(() => cli.Inspect(name, "{{.Id}}"));
    }

    /// <summary>
    /// A stopped container's full filesystem comes from /export, which has no sockets; the
    /// sockets a process left in the writable layer come from the overlay upper directory, and
    /// filesystem-source.json says so (or, without host paths, that a socket has no entry).
    /// </summary>
    public async Task SocketsOfAStoppedContainerComeFromTheUpperDir()
    {
        var (name, id) = Plant("sockets");
        // busybox syslogd makes /dev/log (on the container's /dev tmpfs); cp -a makes socket inodes in the layer.
        cli.Run("exec", name, "sh", "-c", "syslogd -O /tmp/syslog.txt; i=0; while [ ! -S /dev/log ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; cp -a /dev/log /tmp/app.sock && mkdir -p /run/app && cp -a /dev/log /run/app/ctl.sock");
        cli.Run("stop", "-t", "0", name);
        Assert.DoesNotContain("tmp/app.sock", _shell.ExportMemberNames(name));

        var sink = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Full });

        var record = SourceRecord(sink);
        Assert.Equal("engine API: /export", record.GetProperty("source").GetString());
        Assert.Contains(record.GetProperty("notes").EnumerateArray(), n => n.GetString()!.StartsWith("/export has no sockets", StringComparison.Ordinal) && n.GetString()!.Contains("taken from the overlay upper directory", StringComparison.Ordinal));
        Assert.Empty(sink.Errors);
        foreach (var socket in new[] { "/tmp/app.sock", "/run/app/ctl.sock" })
        {
            var item = sink.Single(EvidenceSection.FilesystemFull, socket);
            Assert.Equal(EntryKind.Socket, item.Kind);
            Assert.Equal(EntryStatus.Collected, item.Status);
            Assert.StartsWith("overlay upperdir ", item.Item.Source!.Description, StringComparison.Ordinal);
        }
        Assert.Equal(EntryKind.Directory, sink.Single(EvidenceSection.FilesystemFull, "/run/app").Kind);

        var api = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Full }, HostPathAccess.Disabled("test: engine API only"));
        Assert.Contains(SourceRecord(api).GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("a socket in the container has no entry", StringComparison.Ordinal));
        Assert.Null(api.Find(EvidenceSection.FilesystemFull, "/tmp/app.sock"));
    }

    /// <summary>--max-file-size 4096: truncate keeps the first bytes (export and upper dir alike), skip keeps metadata only.</summary>
    public async Task MaxFileSizeAppliesToEverySource()
    {
        var (name, id) = Plant("max-size");
        string head = _shell.Sha256OfHead(name, "/bin/busybox", 4096);
        cli.Run("stop", "-t", "0", name);

        var truncated = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Full, MaxFileSize = 4096 });
        Assert.Equal("engine API: /export", SourceRecord(truncated).GetProperty("source").GetString());
        var busybox = truncated.Single(EvidenceSection.FilesystemFull, "/bin/busybox");
        Assert.Equal(EntryStatus.Truncated, busybox.Status);
        Assert.Equal(4096, busybox.BytesRead);
        Assert.Equal(head, busybox.Sha256);
        // The entries after it are intact: the rest of the big file was stepped over, not read as headers.
        Assert.Equal(EntryStatus.Collected, truncated.Single(EvidenceSection.FilesystemFull, "/etc/passwd").Status);

        var skippedApi = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Changed, MaxFileSize = 4096, Oversize = OversizePolicy.Skip }, HostPathAccess.Disabled("test"));
        var skipped = skippedApi.Single(EvidenceSection.FilesystemChanged, "/var/tmp/.x/.kworker");
        Assert.Equal(EntryStatus.Skipped, skipped.Status);
        Assert.Null(skipped.Item.Content);
        Assert.Equal(EntryKind.File, skipped.Kind);
        Assert.True(skipped.Item.Metadata.Size > 4096);
        Assert.Equal(EntryStatus.Collected, skippedApi.Single(EvidenceSection.FilesystemChanged, "/etc/passwd").Status);

        var upper = await CollectAsync(id, new CollectionOptions { Filesystem = FilesystemMode.Changed, MaxFileSize = 4096 });
        var kworker = upper.Single(EvidenceSection.FilesystemChanged, "/var/tmp/.x/.kworker");
        Assert.Equal(EntryStatus.Truncated, kworker.Status);
        Assert.Equal(head, kworker.Sha256);
    }

    private sealed record ExpectedFiles(string Passwd, string Shell, string Kworker, string Busybox);

    /// <summary>What the engine's own <c>cp</c> copies out, hashed here.</summary>
    private ExpectedFiles Expected(string name) => new(
        _shell.Sha256Of(name, "/etc/passwd"),
        _shell.Sha256Of(name, "/var/www/shell.php"),
        _shell.Sha256Of(name, "/var/tmp/.x/.kworker"),
        _shell.Sha256Of(name, "/bin/busybox"));

    private static void AssertChanged(RecordingSink sink, ExpectedFiles expected)
    {
        const EvidenceSection S = EvidenceSection.FilesystemChanged;
        Assert.Empty(sink.Errors);
        Assert.All(sink.In(S), i => Assert.Equal(EntryStatus.Collected, i.Status));
        Assert.Equal(EntryKind.Directory, sink.Single(S, "/var/tmp/.x").Kind);
        var kworker = sink.Single(S, "/var/tmp/.x/.kworker");
        Assert.Equal(EntryKind.File, kworker.Kind);
        Assert.Equal(expected.Kworker, kworker.Sha256);
        Assert.Equal(expected.Busybox, kworker.Sha256);
        Assert.Equal(0b111_101_101u, kworker.Item.Metadata.Mode);
        // Both names of the webshell: files, or (from a tar) one file and a hard-link record naming it.
        Assert.Equal(expected.Shell, ContentSha256(sink, S, "/var/www/shell.php"));
        Assert.Equal(expected.Shell, ContentSha256(sink, S, "/var/www/.hl"));
        var passwd = sink.Single(S, "/etc/passwd");
        Assert.Equal(expected.Passwd, passwd.Sha256);
        Assert.Contains("evil:x:0:0::/root:/bin/sh", passwd.Text, StringComparison.Ordinal);

        Assert.Equal("implant\n", sink.Single(S, "/usr/sbin/implant").Text);

        var whiteout = sink.Single(S, "/bin/uname");
        Assert.Equal(EntryKind.Whiteout, whiteout.Kind);
        Assert.Null(whiteout.Item.Content);
        AssertFifoAndSymlink(sink, S);

        // Nothing of the image's unchanged files.
        foreach (var unchanged in new[] { "/bin/busybox", "/etc/shadow", "/etc/group", "/bin/sh" })
        {
            Assert.Null(sink.Find(S, unchanged));
        }
        Assert.Empty(sink.In(EvidenceSection.FilesystemFull));
    }

    /// <summary>The sha256 of a path's content, through a hard-link record to the item it names.</summary>
    private static string? ContentSha256(RecordingSink sink, EvidenceSection section, string path)
    {
        var item = sink.Single(section, path);
        if (item.Kind == EntryKind.HardLink)
        {
            Assert.Null(item.Item.Content);
            item = sink.Single(section, item.LinkTarget!);
            Assert.Equal(EntryKind.File, item.Kind);
        }
        return item.Sha256;
    }

    private static void AssertFull(RecordingSink sink, ExpectedFiles expected)
    {
        const EvidenceSection S = EvidenceSection.FilesystemFull;
        Assert.Empty(sink.Errors);
        Assert.All(sink.In(S), i => Assert.Equal(EntryStatus.Collected, i.Status));
        Assert.Equal(expected.Passwd, sink.Single(S, "/etc/passwd").Sha256);
        var busybox = sink.Single(S, "/bin/busybox");
        Assert.Equal(expected.Busybox, busybox.Sha256);
        Assert.Equal(0b111_101_101u, busybox.Item.Metadata.Mode);
        Assert.Equal(expected.Kworker, sink.Single(S, "/var/tmp/.x/.kworker").Sha256);
        Assert.Equal(EntryKind.Directory, sink.Single(S, "/etc").Kind);
        Assert.Equal("/bin/busybox", sink.Single(S, "/bin/sh").LinkTarget);
        Assert.Null(sink.Find(S, "/bin/uname"));
        Assert.Null(sink.Find(S, "/usr/sbin/arping"));
        Assert.Equal("implant\n", sink.Single(S, "/usr/sbin/implant").Text);
        Assert.Null(sink.Find(S, "/"));
        AssertFifoAndSymlink(sink, S);
        Assert.Empty(sink.In(EvidenceSection.FilesystemChanged));
    }

    private static void AssertFifoAndSymlink(RecordingSink sink, EvidenceSection section)
    {
        var fifo = sink.Single(section, "/tmp/p");
        Assert.Equal(EntryKind.Fifo, fifo.Kind);
        Assert.Null(fifo.Item.Content);
        Assert.Null(fifo.Sha256);

        var evil = sink.Single(section, "/tmp/evil");
        Assert.Equal(EntryKind.Symlink, evil.Kind);
        Assert.Equal("/etc/shadow", evil.LinkTarget);
        Assert.Null(evil.Item.Content);
        // Neither the host's /etc/shadow nor the container's was read through the link.
        string hostShadow = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes("/etc/shadow")));
        Assert.DoesNotContain(sink.Items, i => i.Sha256 == hostShadow);
        Assert.DoesNotContain(sink.Items, i => i.Path?.EndsWith("/shadow", StringComparison.Ordinal) == true && section == EvidenceSection.FilesystemChanged);
    }

    private static JsonElement SourceRecord(RecordingSink sink)
    {
        var record = sink[FilesystemSourceRecord.Name];
        Assert.Equal(EvidenceSection.Metadata, record.Item.Section);
        using var doc = JsonDocument.Parse(record.Bytes);
        return doc.RootElement.Clone();
    }

    private (string Name, string Id) Plant(string what, params string[] options)
    {
        string name = EngineCli.NewName("fs-" + what);
        _containers.Add(name);
        string id = cli.RunDetached(name, options, "sleep", "3600");
        cli.Run("exec", name, "sh", "-c", PlantScript);
        return (name, id);
    }

    private async Task<RecordingSink> CollectAsync(string id, CollectionOptions options, HostPathAccess? hostPaths = null)
    {
        var container = await ContainerAsync(id);
        var runtime = await RuntimeAsync();
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };
        var clock = Stopwatch.StartNew();
        var phase = hostPaths is null
            ? runtime.CollectContainerAsync(container, CollectionPhase.Filesystem, sink, options, CancellationToken.None)
            : new DockerFilesystemCollector(runtime.Client, hostPaths).CollectAsync(container, sink, options, CancellationToken.None);
        await phase.WaitAsync(PhaseBudget);
        output.WriteLine($"{cli.Engine} {options.Filesystem}{(options.Volumes ? "+volumes" : "")}{(hostPaths is null ? "" : " (API only)")}: {sink.Items.Count} items, {sink.Items.Sum(i => i.BytesRead)} bytes in {clock.Elapsed.TotalMilliseconds:0} ms");
        return sink;
    }

    private async Task<ContainerInfo> ContainerAsync(string id)
    {
        var runtime = await RuntimeAsync();
        return (await runtime.ListContainersAsync(CancellationToken.None)).Single(c => c.Id == id);
    }

    private async Task<DockerRuntime> RuntimeAsync()
    {
        _runtime ??= new DockerRuntime(await DockerClient.ConnectAsync(DockerEndpoint.Parse(cli.Endpoint), CallTimeout, TimeProvider.System, CancellationToken.None));
        return _runtime;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _containers)
        {
            try
            {
                cli.Remove(name);
            }
            catch (InvalidOperationException)
            {
                // removed by the test itself
            }
        }
        foreach (var volume in _volumes)
        {
            try
            {
                cli.Run("volume", "rm", "-f", volume);
            }
            catch (InvalidOperationException)
            {
            }
        }
        foreach (var directory in _directories)
        {
            Directory.Delete(directory, recursive: true);
        }
        _shell.Dispose();
        if (_runtime is not null)
        {
            await _runtime.DisposeAsync();
        }
    }
}
