using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem.Trees;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Transport;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.Nested;

namespace ContainerForensics.Nested.Tests;

/// <summary>
/// The paths a Docker-in-Docker's dockerd names (LogPath, GraphDriver's overlay directories) are
/// its own mount namespace's, and are read there, beneath its root (/proc/&lt;dockerd&gt;/root), with
/// the host's completeness: the json-file log from the inner data root, the writable layer from
/// the inner overlay2 upper directory with its whiteouts, the whole tree from the mounted merged
/// directory. Each is checked against the DinD container's own view (its sha256sum, its docker
/// CLI), and a link planted on the inner LogPath that would lead to a host file is refused.
/// </summary>
public sealed class DockerInDockerPathTests(DockerInDockerFixture fixture) : IClassFixture<DockerInDockerFixture>
{
    private static async Task<DockerRuntime> ConnectAsync(DockerInDocker dind) =>
        new(await DockerClient.ConnectAsync(DockerEndpoint.Parse(dind.Endpoint), TimeSpan.FromSeconds(30), TimeProvider.System, default));

    /// <summary>A listed container as discovery hands it on: stamped with the DinD container it is nested in, as Core's NestedRuntime stamps it.</summary>
    private static async Task<ContainerInfo> ListedAsync(DockerRuntime runtime, DockerInDocker dind, NestedContainer c) =>
        Assert.Single(await runtime.ListContainersAsync(default), l => l.Id == c.Id) with
        {
            NestedIn = new NestingLink
            {
                HostContainer = new ContainerInfo { Runtime = "docker", Id = dind.Id, Name = "/" + dind.Name },
                HostPid = dind.HostPid,
                HostEndpoint = RigEnvironment.DockerHost!,
            },
        };

    /// <summary>How the records name a path of the DinD's dockerd.</summary>
    private static string Inside(DockerInDocker dind, string path) => $"{path} in docker/{dind.Name} via {dind.RootPath}";

    [EngineFact(Engine.Docker)]
    public async Task A_nested_container_s_json_log_is_read_from_the_inner_data_root()
    {
        var (dind, planted) = await fixture.GetAsync();
        var c = planted[0];
        await using var runtime = await ConnectAsync(dind);
        string logPath = await dind.DockerAsync("inspect", "--format", "{{.LogPath}}", c.Name);
        Assert.StartsWith("/var/lib/docker/containers/", logPath, StringComparison.Ordinal);
        Assert.False(File.Exists(logPath)); // a path of the DinD container, not of this host

        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(await ListedAsync(runtime, dind, c), CollectionPhase.Logs, sink, new CollectionOptions(), default);

        var log = sink[$"files/{c.Id}-json.log"];
        Assert.Equal(EntryStatus.Collected, log.Status);
        Assert.StartsWith($"file {Inside(dind, logPath)}: LogPath", log.Item.Source!.Description, StringComparison.Ordinal);
        Assert.Equal(Encoding.UTF8.GetBytes(logPath), log.Item.Source.OriginalPath);
        // Hashed independently, inside the DinD container.
        Assert.StartsWith(log.Sha256!, await dind.ExecAsync("sha256sum", logPath), StringComparison.Ordinal);
        using var line = JsonDocument.Parse(log.Lines().First(l => l.Contains(DockerInDocker.LogLine(c.Name), StringComparison.Ordinal)));
        Assert.Equal(DockerInDocker.LogLine(c.Name) + "\n", line.RootElement.GetProperty("log").GetString());
        Assert.Equal("stdout", line.RootElement.GetProperty("stream").GetString());
        // The engine's rendering of the same file says the same.
        Assert.Contains(" " + DockerInDocker.LogLine(c.Name), sink["stdout.log"].Text, StringComparison.Ordinal);
        Assert.Empty(sink.Errors);
    }

    [EngineFact(Engine.Docker)]
    public async Task A_nested_container_s_writable_layer_is_walked_from_the_inner_upper_dir_with_its_whiteouts()
    {
        var (dind, planted) = await fixture.GetAsync();
        var c = planted[1];
        // A file of the image deleted in the container: a 0:0 character device in the upper directory.
        await dind.DockerAsync("exec", c.Name, "rm", "-f", "/etc/hosts.allow");
        string upperDir = await dind.DockerAsync("inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", c.Name);
        await using var runtime = await ConnectAsync(dind);

        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(await ListedAsync(runtime, dind, c), CollectionPhase.Filesystem, sink,
            new CollectionOptions { Filesystem = FilesystemMode.Changed }, default);

        Assert.Empty(sink.Errors);
        using var source = JsonDocument.Parse(sink[FilesystemSourceRecord.Name].Content);
        Assert.Equal("overlay upperdir", source.RootElement.GetProperty("source").GetString());
        Assert.Equal(upperDir, source.RootElement.GetProperty("path").GetString());
        Assert.Equal(dind.RootPath + "/.", source.RootElement.GetProperty("readBeneath").GetString());
        var file = sink.Single(EvidenceSection.FilesystemChanged, NestedContainer.PlantedPath);
        Assert.Equal(c.PlantedContent, file.Content);
        Assert.Equal($"overlay upperdir {Inside(dind, upperDir)}", file.Item.Source!.Description);
        // Hashed independently, by the DinD container through the container's init.
        string inDind = await dind.ExecAsync("sha256sum", $"/proc/{c.InnerPid.ToString(CultureInfo.InvariantCulture)}/root{NestedContainer.PlantedPath}");
        Assert.StartsWith(file.Sha256!, inDind, StringComparison.Ordinal);
        Assert.Equal(EntryKind.Whiteout, sink.Single(EvidenceSection.FilesystemChanged, "/etc/hosts.allow").Kind);
        // The inner dockerd's own diff agrees: the planted file added, the deleted one deleted.
        string changes = await dind.DockerAsync("diff", c.Name);
        Assert.Contains("A " + NestedContainer.PlantedPath, changes, StringComparison.Ordinal);
        Assert.Contains("D /etc/hosts.allow", changes, StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task A_running_nested_container_s_whole_tree_is_walked_from_its_merged_dir()
    {
        var (dind, planted) = await fixture.GetAsync();
        var c = planted[0];
        string mergedDir = await dind.DockerAsync("inspect", "--format", "{{.GraphDriver.Data.MergedDir}}", c.Name);
        await using var runtime = await ConnectAsync(dind);

        var sink = new RecordingSink();
        await runtime.CollectContainerAsync(await ListedAsync(runtime, dind, c), CollectionPhase.Filesystem, sink,
            new CollectionOptions { Filesystem = FilesystemMode.Full }, default);

        Assert.Empty(sink.Errors);
        using var source = JsonDocument.Parse(sink[FilesystemSourceRecord.Name].Content);
        // The merged directory is a mount of the DinD's mount namespace, seen through its root.
        Assert.Equal("overlay mergeddir", source.RootElement.GetProperty("source").GetString());
        Assert.Equal(mergedDir, source.RootElement.GetProperty("path").GetString());
        Assert.Equal(dind.RootPath + "/.", source.RootElement.GetProperty("readBeneath").GetString());
        Assert.Equal($"overlay mergeddir {Inside(dind, mergedDir)}", sink.Single(EvidenceSection.FilesystemFull, NestedContainer.PlantedPath).Item.Source!.Description);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(c.PlantedContent)), sink.Single(EvidenceSection.FilesystemFull, NestedContainer.PlantedPath).Sha256);
        string busybox = await dind.ExecAsync("sha256sum", $"/proc/{c.InnerPid.ToString(CultureInfo.InvariantCulture)}/root/bin/busybox");
        Assert.StartsWith(sink.Single(EvidenceSection.FilesystemFull, "/bin/busybox").Sha256!, busybox, StringComparison.Ordinal);
    }

    [EngineFact(Engine.Docker)]
    public async Task A_link_planted_on_the_inner_log_path_is_refused_and_nothing_of_the_host_is_read()
    {
        // A DinD of its own: its container's log directory is replaced, which the shared one's tests should not meet.
        await using var dind = await DockerInDocker.StartAsync();
        var c = Assert.Single(await dind.RunContainersAsync(1));
        string logPath = await dind.DockerAsync("inspect", "--format", "{{.LogPath}}", c.Name);
        string directory = Path.GetDirectoryName(logPath)!;
        var hostOnly = Directory.CreateTempSubdirectory("cfir-host-only-");
        try
        {
            const string Secret = "{\"log\":\"host-only secret\\n\"}\n";
            await File.WriteAllTextAsync(Path.Combine(hostOnly.FullName, Path.GetFileName(logPath)), Secret);
            // Inside the DinD container, its own dockerd's log directory becomes a link to a path
            // that exists only on the host: a reader that follows it through /proc/<pid>/root
            // resolves the absolute target against its own root, the host's.
            await dind.ExecAsync("sh", "-c", $"mv {directory} {directory}.moved && ln -s {hostOnly.FullName} {directory}");
            Assert.Equal(Secret, await File.ReadAllTextAsync(dind.RootPath + logPath));
            await using var runtime = await ConnectAsync(dind);

            var sink = new RecordingSink();
            await runtime.CollectContainerAsync(await ListedAsync(runtime, dind, c), CollectionPhase.Logs, sink, new CollectionOptions(), default);

            var log = sink[$"files/{c.Id}-json.log"];
            Assert.Equal(EntryStatus.Failed, log.Status);
            Assert.StartsWith($"LogPath {Inside(dind, logPath)} not readable: ", log.Reason, StringComparison.Ordinal);
            Assert.Contains($"'{c.Id}' on the path is not a directory (a symlink is never followed)", log.Reason, StringComparison.Ordinal);
            Assert.Null(log.Bytes);
            Assert.DoesNotContain(sink.Items, i => i.Text.Contains("host-only secret", StringComparison.Ordinal));
        }
        finally
        {
            hostOnly.Delete(recursive: true);
        }
    }
}
