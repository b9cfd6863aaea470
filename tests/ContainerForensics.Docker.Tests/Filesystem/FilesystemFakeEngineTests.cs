using ContainerForensics.Core.FileSystem.Trees;
using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Filesystem;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// What the rig's engines cannot be made to do on demand, against a stand-in daemon speaking the
/// real protocol: an inspect without GraphDriver (Docker 25+ with the containerd image store),
/// and an export stream cut half-way with the container gone or still there.
/// </summary>
public sealed class FilesystemFakeEngineTests
{
    private const string Id = "655acef770371e380aaf6288d392b921651abeb3222f3ebd6d4b2f4b4de4dda9";

    private static readonly ContainerInfo Container = new() { Runtime = "docker", Id = Id, Name = "web", State = "exited" };

    private static string Inspect(string state, bool graphDriver) => $$"""
        {"Id":"{{Id}}","Name":"/web","State":{"Status":"{{state}}","Pid":0},
         {{(graphDriver ? "\"GraphDriver\":{\"Name\":\"overlay2\",\"Data\":{\"UpperDir\":\"/nonexistent/cfir/diff\",\"MergedDir\":\"/nonexistent/cfir/merged\"}}," : "")}}
         "Mounts":[{"Type":"bind","Source":"/srv/www","Destination":"/var/www","RW":true}]}
        """;

    [Fact]
    public async Task Without_GraphDriver_changed_comes_from_changes_and_archive()
    {
        const string changes = """[{"Path":"/etc","Kind":0},{"Path":"/etc/passwd","Kind":0},{"Path":"/tmp/.x","Kind":1},{"Path":"/tmp/.x/.kworker","Kind":1},{"Path":"/bin/uname","Kind":2},{"Path":"/var/www","Kind":1}]""";
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion("1.47"), r => r.Target switch
        {
            $"/v1.47/containers/{Id}/json" => FakeResponse.Json(Inspect("running", graphDriver: false)),
            $"/v1.47/containers/{Id}/changes" => FakeResponse.Json(changes),
            // A modified directory comes with its whole subtree; only its own entry is taken.
            $"/v1.47/containers/{Id}/archive?path=%2Fetc" => Tar(("etc/", null), ("etc/passwd", "root:x:0:0\n"), ("etc/group", "root:x:0:\n")),
            $"/v1.47/containers/{Id}/archive?path=%2Fetc%2Fpasswd" => Tar(("passwd", "root:x:0:0\nevil:x:0:0\n")),
            $"/v1.47/containers/{Id}/archive?path=%2Ftmp%2F.x" => Tar((".x/", null), (".x/.kworker", "\u007fELF")),
            // A bind mount point: /archive would read the host's files through it.
            $"/v1.47/containers/{Id}/archive?path=%2Fvar%2Fwww" => Tar(("www/", null), ("www/index.php", "host file")),
            _ => null,
        }));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        await new DockerFilesystemCollector(client).CollectAsync(Container, sink, new CollectionOptions { Filesystem = FilesystemMode.Changed }, CancellationToken.None);

        Assert.Empty(sink.Errors);
        using var record = JsonDocument.Parse(sink[FilesystemSourceRecord.Name].Bytes);
        Assert.Equal("engine API: /changes + /archive", record.RootElement.GetProperty("source").GetString());
        Assert.StartsWith("inspect has no GraphDriver", record.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.False(record.RootElement.TryGetProperty("graphDriver", out _));
        Assert.Equal(
            ["/bin/uname", "/etc", "/etc/passwd", "/tmp/.x", "/tmp/.x/.kworker", "/var/www"],
            sink.In(EvidenceSection.FilesystemChanged).Select(i => i.Path).Order(StringComparer.Ordinal));
        Assert.Equal(EntryKind.Whiteout, sink.Single(EvidenceSection.FilesystemChanged, "/bin/uname").Kind);
        Assert.Equal(EntryKind.Directory, sink.Single(EvidenceSection.FilesystemChanged, "/etc").Kind);
        Assert.Equal("root:x:0:0\nevil:x:0:0\n", sink.Single(EvidenceSection.FilesystemChanged, "/etc/passwd").Text);
        Assert.Equal("\u007fELF", sink.Single(EvidenceSection.FilesystemChanged, "/tmp/.x/.kworker").Text);
        // The added directory's subtree came with it: .kworker was not asked for again.
        Assert.DoesNotContain(server.Requests, r => r.Contains("kworker", StringComparison.Ordinal));
        Assert.Equal(EntryKind.Directory, sink.Single(EvidenceSection.FilesystemChanged, "/var/www").Kind);
    }

    [Fact]
    public async Task Many_changes_on_Docker_are_picked_out_of_one_export()
    {
        var files = Enumerable.Range(0, FilesystemPlanner.MaxArchiveCalls + 8).Select(i => $"tmp/f{i:D2}").ToList();
        string changes = "[" + string.Join(",", files.Select(f => $$"""{"Path":"/{{f}}","Kind":1}""").Prepend("""{"Path":"/tmp","Kind":0}""").Append("""{"Path":"/etc/motd","Kind":2}""")) + "]";
        var export = Tar([("bin/", null), ("bin/busybox", "image file"), ("tmp/", null), .. files.Select(f => (f, (string?)f))]);
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion("1.47"), r => r.Target switch
        {
            $"/v1.47/containers/{Id}/json" => FakeResponse.Json(Inspect("running", graphDriver: false)),
            $"/v1.47/containers/{Id}/changes" => FakeResponse.Json(changes),
            $"/v1.47/containers/{Id}/export" => export,
            _ => null,
        }));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        await new DockerFilesystemCollector(client).CollectAsync(Container, sink, new CollectionOptions { Filesystem = FilesystemMode.Changed }, CancellationToken.None);

        Assert.Empty(sink.Errors);
        using var record = JsonDocument.Parse(sink[FilesystemSourceRecord.Name].Bytes);
        Assert.Equal("engine API: /changes + filtered /export", record.RootElement.GetProperty("source").GetString());
        Assert.Contains($"{files.Count + 1} /archive calls", record.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(server.Requests, r => r.Contains("/archive", StringComparison.Ordinal));
        Assert.Equal(files.Count + 2, sink.In(EvidenceSection.FilesystemChanged).Count());
        Assert.Equal("tmp/f07", sink.Single(EvidenceSection.FilesystemChanged, "/tmp/f07").Text);
        Assert.Equal(EntryKind.Whiteout, sink.Single(EvidenceSection.FilesystemChanged, "/etc/motd").Kind);
        Assert.Null(sink.Find(EvidenceSection.FilesystemChanged, "/bin/busybox"));
    }

    [Fact]
    public async Task Export_cut_by_a_removed_container_is_gone_with_the_items_before()
    {
        bool removed = false;
        byte[] tar = ExportTar();
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
        {
            if (r.Target == $"/v1.41/containers/{Id}/json")
            {
                return removed ? FakeResponse.NotFound($"No such container: {Id}") : FakeResponse.Json(Inspect("exited", graphDriver: true));
            }
            if (r.Target == $"/v1.41/containers/{Id}/export")
            {
                removed = true;
                return FakeResponse.Stream([tar[..InsideTheTenthFile(tar)]], after: FakeBehaviour.Close);
            }
            return null;
        }));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        var gone = await Assert.ThrowsAsync<ContainerGoneException>(() =>
            new DockerFilesystemCollector(client).CollectAsync(Container, sink, new CollectionOptions { Filesystem = FilesystemMode.Full }, CancellationToken.None));

        Assert.Equal(Id, gone.ContainerId);
        using var record = JsonDocument.Parse(sink[FilesystemSourceRecord.Name].Bytes);
        Assert.Equal("engine API: /export", record.RootElement.GetProperty("source").GetString());
        var files = sink.In(EvidenceSection.FilesystemFull).ToList();
        Assert.NotEmpty(files);
        Assert.Equal("/a/0", files[0].Path);
        Assert.Equal(EntryStatus.Collected, files[0].Status);
        Assert.Equal(10, files.Count);
        Assert.All(files[..9], f => Assert.Equal(EntryStatus.Collected, f.Status));
        Assert.Equal("/a/9", files[^1].Path);
        Assert.Equal(EntryStatus.Partial, files[^1].Status);
        Assert.Equal(1000, files[^1].BytesRead);
        var error = Assert.Single(sink.Errors);
        Assert.Contains("the tar stream broke", error.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_cut_while_the_container_still_exists_is_a_recorded_failure()
    {
        byte[] tar = ExportTar();
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Target switch
        {
            $"/v1.41/containers/{Id}/json" => FakeResponse.Json(Inspect("exited", graphDriver: true)),
            $"/v1.41/containers/{Id}/export" => FakeResponse.Stream([tar[..InsideTheTenthFile(tar)]], after: FakeBehaviour.Close),
            _ => null,
        }));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        await new DockerFilesystemCollector(client).CollectAsync(Container, sink, new CollectionOptions { Filesystem = FilesystemMode.Full }, CancellationToken.None);

        Assert.NotEmpty(sink.In(EvidenceSection.FilesystemFull));
        Assert.Contains("the tar stream broke", Assert.Single(sink.Errors).Text, StringComparison.Ordinal);
    }

    /// <summary>
    /// An export that ends early, as dockerd ends one whose read failed after the 200 (a clean end
    /// of the chunked body, no end-of-archive marker), at a member boundary or inside a member, or
    /// whose connection is cut: what came is kept, the cut is recorded with the point reached,
    /// and the source is a failure (the run partial) although the container still exists.
    /// </summary>
    [Theory]
    [InlineData(false, false, "after 5 entries, the last written '/a/4';")]
    [InlineData(true, false, "after 10 entries, the last written '/a/9' (cut inside its content: recorded partial)")]
    [InlineData(true, true, "after 10 entries, the last written '/a/9' (cut inside its content: recorded partial)")]
    public async Task Export_ending_early_is_recorded_with_the_point_reached(bool insideAMember, bool connectionCut, string point)
    {
        byte[] tar = ExportTar();
        int cut = insideAMember ? InsideTheTenthFile(tar) : AfterTheFifthFile(tar);
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Target switch
        {
            $"/v1.41/containers/{Id}/json" => FakeResponse.Json(Inspect("exited", graphDriver: true)),
            $"/v1.41/containers/{Id}/export" => FakeResponse.Stream([tar[..cut]], after: connectionCut ? FakeBehaviour.Close : FakeBehaviour.Body),
            _ => null,
        }));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        await new DockerFilesystemCollector(client).CollectAsync(Container, sink, new CollectionOptions { Filesystem = FilesystemMode.Full }, CancellationToken.None);

        var files = sink.In(EvidenceSection.FilesystemFull).ToList();
        Assert.Equal(insideAMember ? 10 : 5, files.Count);
        Assert.All(files.SkipLast(1), f => Assert.Equal(EntryStatus.Collected, f.Status));
        Assert.Equal(insideAMember ? EntryStatus.Partial : EntryStatus.Collected, files[^1].Status);
        var error = Assert.Single(sink.Errors);
        Assert.Contains($"/export: the tar stream broke {point}", error.Text, StringComparison.Ordinal);
        Assert.Contains("were not read", error.Text, StringComparison.Ordinal);
        if (!insideAMember)
        {
            Assert.Contains("without the end-of-archive marker", error.Text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Nothing_is_read_with_neither_a_filesystem_mode_nor_volumes()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion()));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink { KeepBytes = 64 * 1024 };

        await new DockerFilesystemCollector(client).CollectAsync(Container, sink, new CollectionOptions { Filesystem = FilesystemMode.None }, CancellationToken.None);

        Assert.Empty(sink.Items);
        Assert.DoesNotContain(server.Requests, r => r.Contains("/containers/", StringComparison.Ordinal));
    }

    /// <summary>TCP is remote, loopback too: a loopback port may be a tunnel to another machine (EndpointLocality).</summary>
    [Theory]
    [InlineData("tcp://127.0.0.1:2375")]
    [InlineData("tcp://localhost:2375")]
    [InlineData("tcp://[::1]:2375")]
    [InlineData("tcp://10.20.30.40:2376")]
    [InlineData("tcp://docker.example:2376")]
    public void Host_paths_of_a_daemon_over_tcp_are_not_read(string endpoint)
    {
        var access = HostPathAccess.For(DockerEndpoint.Parse(endpoint));
        Assert.False(access.Usable);
        Assert.Contains("not on this host", access.Why, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Host_paths_of_a_daemon_listening_on_a_unix_socket_in_cfir_s_namespaces_are_read()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion("1.47"), _ => null));
        var access = HostPathAccess.For(DockerEndpoint.Parse(server.Endpoint));
        Assert.True(access.Usable, access.Why);
    }

    /// <summary>Where to cut <see cref="ExportTar"/> so the stream breaks 1000 bytes into the data of file a/9.</summary>
    private static int InsideTheTenthFile(byte[] tar)
    {
        var marker = new byte[4000];
        Array.Fill(marker, (byte)10);
        return tar.AsSpan().IndexOf(marker) + 1000;
    }

    /// <summary>Where the member after file a/4 begins: its data (4004 bytes of 5) padded to 4096.</summary>
    private static int AfterTheFifthFile(byte[] tar)
    {
        var marker = new byte[4004];
        Array.Fill(marker, (byte)5);
        return tar.AsSpan().IndexOf(marker) + 4096;
    }

    /// <summary>Twenty 4 KiB files, file i filled with the byte i+1.</summary>
    private static byte[] ExportTar()
    {
        using var buffer = new MemoryStream();
        using (var w = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            for (int i = 0; i < 20; i++)
            {
                var data = new byte[4000 + i];
                Array.Fill(data, (byte)(i + 1));
                w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"a/{i}") { DataStream = new MemoryStream(data) });
            }
        }
        return buffer.ToArray();
    }

    private static FakeResponse Tar(params (string Name, string? Content)[] entries)
    {
        using var buffer = new MemoryStream();
        using (var w = new TarWriter(buffer, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach (var (name, content) in entries)
            {
                w.WriteEntry(content is null
                    ? new PaxTarEntry(TarEntryType.Directory, name)
                    : new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)) });
            }
        }
        return new FakeResponse { Headers = [("Content-Type", "application/x-tar")], Body = buffer.ToArray() };
    }
}
