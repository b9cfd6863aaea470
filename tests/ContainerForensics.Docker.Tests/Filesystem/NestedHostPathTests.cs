using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Filesystem;
using ContainerForensics.Docker.Logs;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Filesystem;

/// <summary>
/// A nested daemon's paths read beneath its root (<see cref="HostPathAccess"/>), against a
/// directory standing in for <c>/proc/&lt;pid&gt;/root</c>: the daemon's own paths are found there,
/// and a link planted on them (absolute, to a directory of this host; relative, climbing out) or a
/// ".." is refused with a record while a naive read would have reached the host's file. The
/// real Docker-in-Docker runs the same in ContainerForensics.Nested.Tests.
/// </summary>
public sealed class NestedHostPathTests : IDisposable
{
    private const string Id = "3f2a9c1d0b7e3f2a9c1d0b7e3f2a9c1d0b7e3f2a9c1d0b7e3f2a9c1d0b7e3f2a";
    private const string Layer = "5d1c0ffee5d1c0ffee5d1c0ffee5d1c0ffee5d1c0ffee5d1c0ffee5d1c0ffee0";
    private const string Secret = "host-only secret\n";

    private readonly string _root = Directory.CreateTempSubdirectory("cfir-nested-root-").FullName;
    private readonly string _host = Directory.CreateTempSubdirectory("cfir-host-only-").FullName;

    public void Dispose()
    {
        Directory.Delete(_root, recursive: true);
        Directory.Delete(_host, recursive: true);
    }

    private static string LogPath => $"/var/lib/docker/containers/{Id}/{Id}-json.log";

    private static string UpperDir => $"/var/lib/docker/overlay2/{Layer}/diff";

    /// <summary>The nested daemon's view, rooted as <see cref="RuntimeLocality.PathRoot"/> roots it (".../." keeps O_NOFOLLOW off the last segment).</summary>
    private HostPathAccess Nested => HostPathAccess.Beneath(_root + "/.", "test: a directory stands in for /proc/<pid>/root");

    private static ContainerInfo InDind => new()
    {
        Runtime = "docker",
        Id = Id,
        Name = "/web",
        NestedIn = new NestingLink
        {
            HostContainer = new ContainerInfo { Runtime = "docker", Id = Layer, Name = "/ci-dind" },
            HostPid = 4242,
            HostEndpoint = "unix:///var/run/docker.sock",
        },
    };

    private string InRoot(string path) => _root + path;

    private void Write(string pathInRoot, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(InRoot(pathInRoot))!);
        File.WriteAllText(InRoot(pathInRoot), text);
    }

    [Fact]
    public async Task The_log_and_its_siblings_are_read_from_the_nested_data_root_and_say_so()
    {
        Write(LogPath, "{\"log\":\"inner\\n\"}\n");
        Write(LogPath + ".1", "{\"log\":\"older\\n\"}\n");
        // The same path on this host, which must not be what is read.
        var sink = new RecordingSink();

        await LogFiles.CaptureAsync(sink, LogPath, "json-file log driver", neverStarted: false, CaptureLimits.None, Nested.At(InDind), CancellationToken.None);

        Assert.Empty(sink.Errors);
        var log = sink[$"files/{Id}-json.log"];
        Assert.Equal("{\"log\":\"inner\\n\"}\n", log.Text);
        Assert.Equal(Encoding.UTF8.GetBytes(LogPath), log.Item.Source!.OriginalPath);
        Assert.StartsWith($"file {LogPath} in docker/ci-dind via {_root}: LogPath", log.Item.Source.Description, StringComparison.Ordinal);
        var sibling = sink[$"files/{Id}-json.log.1"];
        Assert.Equal("{\"log\":\"older\\n\"}\n", sibling.Text);
        Assert.StartsWith($"file {LogPath}.1 in docker/ci-dind via {_root}: rotated sibling", sibling.Item.Source!.Description, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("absolute")]
    [InlineData("relative")]
    [InlineData("final")]
    public async Task A_link_planted_on_the_log_path_is_refused_and_nothing_of_the_host_is_read(string how)
    {
        File.WriteAllText(Path.Combine(_host, $"{Id}-json.log"), Secret);
        Directory.CreateDirectory(InRoot("/var/lib/docker/containers"));
        string planted = InRoot($"/var/lib/docker/containers/{Id}");
        switch (how)
        {
            case "absolute":
                // What the container's own root would resolve as /tmp/..., and this host as its own directory.
                File.CreateSymbolicLink(planted, _host);
                break;
            case "relative":
                File.CreateSymbolicLink(planted, Path.GetRelativePath(Path.GetDirectoryName(planted)!, _host));
                break;
            default:
                Directory.CreateDirectory(planted);
                File.CreateSymbolicLink(planted + $"/{Id}-json.log", Path.Combine(_host, $"{Id}-json.log"));
                break;
        }
        // Followed, the planted link does lead to the host's file: the refusal below is what keeps it out.
        Assert.Equal(Secret, File.ReadAllText(InRoot(LogPath)));
        var sink = new RecordingSink();

        await LogFiles.CaptureAsync(sink, LogPath, "json-file log driver", neverStarted: false, CaptureLimits.None, Nested.At(InDind), CancellationToken.None);

        var log = Assert.Single(sink.Items);
        Assert.DoesNotContain(Secret.TrimEnd(), log.Text, StringComparison.Ordinal);
        if (how == "final")
        {
            // The log file itself a link: recorded as the link it is, never opened.
            Assert.Equal(EntryKind.Symlink, log.Kind);
            Assert.Null(log.Bytes);
        }
        else
        {
            Assert.Equal(EntryStatus.Failed, log.Status);
            Assert.Contains("symlink is never followed", log.Reason, StringComparison.Ordinal);
            Assert.StartsWith($"LogPath {LogPath} in docker/ci-dind via {_root} not readable", log.Reason, StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData("/var/lib/docker/containers/../../../../etc/x-json.log")]
    [InlineData("var/lib/docker/containers/x/x-json.log")]
    [InlineData("/var/lib/docker/containers/x/..")]
    public async Task A_log_path_that_climbs_or_is_relative_is_refused(string logPath)
    {
        var sink = new RecordingSink();

        await LogFiles.CaptureAsync(sink, logPath, "json-file log driver", neverStarted: false, CaptureLimits.None, Nested, CancellationToken.None);

        var item = Assert.Single(sink.Items);
        Assert.Equal(EntryStatus.Failed, item.Status);
        Assert.Null(item.Bytes);
    }

    [Fact]
    public void A_relative_directory_is_not_opened_beneath_the_root()
    {
        Directory.CreateDirectory(InRoot("/var"));
        var refused = Assert.Throws<IOException>(() => Nested.OpenDirectory("var"));
        Assert.Equal(UnixError.EINVAL, refused.HResult);
        using var walker = Nested.OpenDirectory("/var");
        Assert.Equal(new DirectoryInfo(InRoot("/var")).FullName, Encoding.UTF8.GetString(walker.RootPath).Replace("/./", "/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_writable_layer_is_walked_beneath_the_root_and_the_record_says_where()
    {
        Write(UpperDir + "/etc/passwd", "root:x:0:0\nevil:x:0:0\n");
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion("1.41"), Routes));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink();

        await new DockerFilesystemCollector(client, Nested).CollectAsync(InDind, sink, new CollectionOptions { Filesystem = FilesystemMode.Changed }, CancellationToken.None);

        Assert.Empty(sink.Errors);
        Assert.Equal("root:x:0:0\nevil:x:0:0\n", sink.Single(EvidenceSection.FilesystemChanged, "/etc/passwd").Text);
        using var record = JsonDocument.Parse(sink[FilesystemSourceRecord.Name].Content);
        Assert.Equal("overlay upperdir", record.RootElement.GetProperty("source").GetString());
        // The daemon's own path, and where it was resolved; the entries name the place.
        Assert.Equal(UpperDir, record.RootElement.GetProperty("path").GetString());
        Assert.Equal(_root + "/.", record.RootElement.GetProperty("readBeneath").GetString());
        Assert.EndsWith("the daemon's own path, read inside docker/ci-dind beneath readBeneath, every segment without following a symbolic link", record.RootElement.GetProperty("why").GetString(), StringComparison.Ordinal);
        Assert.Equal($"overlay upperdir {UpperDir} in docker/ci-dind via {_root}", sink.Single(EvidenceSection.FilesystemChanged, "/etc/passwd").Item.Source!.Description);
        Assert.DoesNotContain(server.Requests, r => r.Contains("/changes", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_link_planted_on_the_upper_dir_s_path_falls_back_to_the_API_and_reads_nothing_of_the_host()
    {
        File.WriteAllText(Path.Combine(_host, "secret"), Secret);
        Directory.CreateDirectory(InRoot($"/var/lib/docker/overlay2/{Layer}"));
        File.CreateSymbolicLink(InRoot(UpperDir), _host);
        Assert.Equal(Secret, File.ReadAllText(InRoot(UpperDir + "/secret")));
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion("1.41"), Routes));
        using var client = await FakeDaemon.ConnectAsync(server);
        var sink = new RecordingSink();

        await new DockerFilesystemCollector(client, Nested).CollectAsync(InDind, sink, new CollectionOptions { Filesystem = FilesystemMode.Changed }, CancellationToken.None);

        Assert.DoesNotContain(sink.Items, i => i.Text.Contains(Secret.TrimEnd(), StringComparison.Ordinal));
        using var record = JsonDocument.Parse(sink[FilesystemSourceRecord.Name].Content);
        Assert.Equal("engine API: /changes + /archive", record.RootElement.GetProperty("source").GetString());
        string why = record.RootElement.GetProperty("why").GetString()!;
        Assert.StartsWith($"{UpperDir} in docker/ci-dind via {_root} cannot be read (", why, StringComparison.Ordinal);
        Assert.Contains("symlink is never followed", why, StringComparison.Ordinal);
        Assert.False(record.RootElement.TryGetProperty("readBeneath", out _)); // nothing was read beneath it
        Assert.Contains(server.Requests, r => r.Contains($"/containers/{Id}/changes", StringComparison.Ordinal));
    }

    /// <summary>The nested daemon's answers: inspect names its own data root's paths; /changes lists nothing.</summary>
    private static FakeResponse? Routes(FakeRequest request) => request.Target switch
    {
        $"/v1.41/containers/{Id}/json" => FakeResponse.Json($$$"""
            {"Id":"{{{Id}}}","Name":"/web","State":{"Status":"running","Pid":12},
             "GraphDriver":{"Name":"overlay2","Data":{"UpperDir":"{{{UpperDir}}}","MergedDir":"/var/lib/docker/overlay2/{{{Layer}}}/merged","LowerDir":"/var/lib/docker/overlay2/{{{Layer}}}-init/diff"}},
             "Mounts":[]}
            """),
        $"/v1.41/containers/{Id}/changes" => FakeResponse.Json("[]"),
        _ => null,
    };
}
