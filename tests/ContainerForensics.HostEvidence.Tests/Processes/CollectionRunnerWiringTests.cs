using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.HostEvidence.Tests.Support;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Processes;

/// <summary>
/// The collector as the CLI wires it: one of the runner's collectors, run in the Volatile phase
/// after Docker's own volatile evidence, its items placed by the layout under the container's
/// volatile/ folder, before any metadata.
/// </summary>
public sealed class CollectionRunnerWiringTests : IDisposable
{
    private readonly DockerCli _docker = new();

    public void Dispose() => _docker.Dispose();

    [EngineFact(Engine.Docker)]
    public async Task Host_evidence_lands_in_the_volatile_folder_after_the_runtime_s_own()
    {
        string name = DockerCli.NewName("runner");
        string id = _docker.RunDetached(name, ["sleep", "3600"]);
        int pid = _docker.InitPid(name);

        await using var docker = await LiveDocker.ConnectAsync();
        var writer = new RecordingArchiveWriter();
        var runner = new CollectionRunner(TimeProvider.System, Serilog.Core.Logger.None, ICollectionProgress.None, [new HostProcessCollector()]);
        var options = new CollectionOptions
        {
            Selector = new ContainerSelector { Names = [name] },
            Filesystem = FilesystemMode.None,
        };
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(5));  // hang guard only
        var result = await runner.RunAsync([docker.Runtime], options, writer, guard.Token);

        Assert.Single(result.Containers);
        string volatileRoot = $"containers/docker/-/{name}_{id[..12]}/volatile/";
        var paths = writer.Paths.ToList();
        foreach (var expected in new[] { $"processes/{pid}/exe", $"processes/{pid}/fd/0", $"processes/{pid}/ns/net", "processes.json", "processes.txt", "mounts.json", "etc/resolv.conf", "etc/hosts", "etc/hostname", "capture.json" })
        {
            Assert.Contains(volatileRoot + expected, paths);
        }
        int firstMine = paths.FindIndex(p => p.StartsWith(volatileRoot + "processes/", StringComparison.Ordinal));
        int lastMine = paths.IndexOf(volatileRoot + "capture.json");
        int runtimeOwn = paths.FindIndex(p => p.StartsWith(volatileRoot, StringComparison.Ordinal));
        int firstMetadata = paths.FindIndex(p => p.Contains("/metadata/", StringComparison.Ordinal));
        Assert.True(runtimeOwn < firstMine, "the runtime's volatile evidence comes first");
        Assert.True(firstMetadata < 0 || lastMine < firstMetadata, "all volatile evidence precedes the metadata phase");
        var mine = writer.Entries.Where(e => e.Entry.Path.Value.StartsWith(volatileRoot + "processes/", StringComparison.Ordinal)).ToList();
        Assert.All(mine, e => Assert.Equal(id, e.Entry.Source.ContainerId));
        Assert.DoesNotContain(writer.Errors, e => e.Scope.StartsWith("volatile", StringComparison.Ordinal) && !e.Message.StartsWith("network", StringComparison.Ordinal));
    }
}
