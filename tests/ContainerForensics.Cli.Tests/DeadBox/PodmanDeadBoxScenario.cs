using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.DeadBox;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// One private Podman's containers in every state, collected live through its API service and
/// imaged four ways, for the dead-box tests to compare (built once for the class; the engine
/// writes every byte of state):
/// <list type="bullet">
/// <item>containers: running with a planted file, a deleted image file (a whiteout) and a named
///   volume; stopped after logging to both streams; paused; in a pod; created, never started;
///   one that logged and wrote a file, and is removed after the live collection;</item>
/// <item><see cref="LiveArchive"/>: <c>cfir collect</c> of them through the service's socket, and
///   <see cref="LiveFullArchive"/>: <c>--filesystem full</c> of the running one (its merged overlay directory);</item>
/// <item><see cref="WhileRunning"/>: the disk copied while the engine runs (crash-consistent, as a
///   snapshot of a live disk is), still holding the container removed afterwards;</item>
/// <item><see cref="AfterStop"/>: copied after a clean stop (containers stopped, service ended),
///   the removed container gone;</item>
/// <item><see cref="WithRemnant"/>: that copy with the removed container's folder and writable layer
///   from the first copy put back, as an interrupted <c>podman rm</c> or undeletion leaves them;</item>
/// <item><see cref="Torn"/>: the stopped copy with bolt_state.db cut after its two meta pages;</item>
/// <item><see cref="WithSqlite"/>: the stopped copy with its bolt_state.db turned into a db.sql of
///   Podman's own schema holding the same records (<see cref="LibpodSqlite"/>).</item>
/// </list>
/// </summary>
public sealed class PodmanDeadBoxScenario : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private PrivatePodman? _podman;

    public string Suffix { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Why the scenario could not be built (the test fails with it), or null.</summary>
    public string? Problem { get; private set; }

    public string Running => "run-" + Suffix;
    public string Stopped => "stop-" + Suffix;
    public string Paused => "pause-" + Suffix;
    public string InPod => "podc-" + Suffix;
    public string Created => "created-" + Suffix;
    public string Removed => "gone-" + Suffix;
    public string Pod => "pod-" + Suffix;
    public string Volume => "vol-" + Suffix;

    public IReadOnlyList<string> Names => [Running, Stopped, Paused, InPod, Created, Removed];

    /// <summary>Container ids by name.</summary>
    public Dictionary<string, string> Ids { get; } = new(StringComparer.Ordinal);

    /// <summary>The removed container's writable layer.</summary>
    public string RemovedLayer { get; private set; } = "";

    public string LiveArchive => _dir["live.tar"];
    public string LiveFullArchive => _dir["live-full.tar"];
    public string WhileRunning => _dir["while-running"];
    public string AfterStop => _dir["after-stop"];
    public string WithRemnant => _dir["with-remnant"];
    public string WithSqlite => _dir["with-sqlite"];
    public string Torn => _dir["torn"];

    public string Scratch(string name) => _dir[name];

    public async Task InitializeAsync()
    {
        if (PrivatePodman.Missing() is { } missing)
        {
            Problem = missing;
            return;
        }
        try
        {
            await BuildAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException)
        {
            Problem = ex.ToString();
        }
    }

    private async Task BuildAsync()
    {
        var podman = _podman = await PrivatePodman.StartAsync();
        string endpoint = await podman.StartServiceAsync();
        string image = podman.Image;
        await podman.RunAsync("volume", "create", Volume);
        Ids[Running] = await podman.RunContainerAsync(Running, true, "-v", Volume + ":/data", image, "sh", "-c",
            $"echo planted-{Suffix} > /tmp/planted; echo in-volume-{Suffix} > /data/in-volume; rm /etc/hosts.allow; echo run-line-1; echo run-err-1 >&2; exec sleep 100000");
        Ids[Stopped] = await podman.RunContainerAsync(Stopped, false, image, "sh", "-c", $"echo stop-line-1; echo stop-err-1 >&2; echo stop-line-2; echo changed-{Suffix} > /etc/stop-file");
        Ids[Stopped] = await podman.RunAsync("inspect", "--format", "{{.Id}}", Stopped);
        Ids[Removed] = await podman.RunContainerAsync(Removed, false, image, "sh", "-c", $"echo gone-line-1; echo gone-err-1 >&2; echo gone-{Suffix} > /root/gone-file");
        Ids[Removed] = await podman.RunAsync("inspect", "--format", "{{.Id}}", Removed);
        RemovedLayer = Path.GetFileName(Path.GetDirectoryName(await podman.RunAsync("inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", Removed))!);
        Ids[Paused] = await podman.RunContainerAsync(Paused, true, image, "sleep", "100000");
        await podman.RunAsync("pause", Paused);
        await podman.RunAsync("pod", "create", "--infra=false", "--name", Pod);
        Ids[InPod] = await podman.RunAsync(["run", "-d", "--pod", Pod, "--name", InPod, .. PrivatePodman.ContainerFlags, image, "sh", "-c", "echo in-pod-line; exec sleep 100000"]);
        Ids[Created] = await podman.RunAsync(["create", "--name", Created, .. PrivatePodman.ContainerFlags, image, "true"]);
        await WaitForLogAsync(Running, "run-err-1");
        await WaitForLogAsync(InPod, "in-pod-line");

        var live = await CfirProcess.RunAsync(["collect", .. Names, "--runtime", "podman", "--volumes", "-f", "tar", "-o", LiveArchive, "-q"],
            new Dictionary<string, string?> { ["CONTAINER_HOST"] = endpoint });
        if (live.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"the live collection failed: {live.Describe()}");
        }
        var liveFull = await CfirProcess.RunAsync(["collect", Running, "--runtime", "podman", "--filesystem", "full", "-f", "tar", "-o", LiveFullArchive, "-q"],
            new Dictionary<string, string?> { ["CONTAINER_HOST"] = endpoint });
        if (liveFull.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"the live full collection failed: {liveFull.Describe()}");
        }

        await podman.CopyImageAsync(WhileRunning);
        await podman.RunAsync("rm", Removed);
        // podman stop refuses a paused container: a clean stop resumes it first.
        await podman.RunAsync("unpause", Paused);
        await podman.RunAsync("stop", "-a", "-t", "1");
        await podman.StopServiceAsync();
        await podman.CopyImageAsync(AfterStop);

        await CopyTreeAsync(AfterStop, WithRemnant);
        string storage = PrivatePodman.DataRoot;
        await CopyTreeAsync(WhileRunning + storage + "/overlay/" + RemovedLayer, WithRemnant + storage + "/overlay/" + RemovedLayer);
        await CopyTreeAsync(WhileRunning + storage + "/overlay-containers/" + Ids[Removed], WithRemnant + storage + "/overlay-containers/" + Ids[Removed]);

        // A database torn after its meta pages: the tree they point to is not in the file.
        await CopyTreeAsync(AfterStop, Torn);
        using (var torn = File.OpenWrite(Torn + storage + "/libpod/bolt_state.db"))
        {
            torn.SetLength(2 * 4096);
        }

        await CopyTreeAsync(AfterStop, WithSqlite);
        string bolt = WithSqlite + storage + "/libpod/bolt_state.db";
        LibpodSqlite.FromBolt(bolt, WithSqlite + storage + "/db.sql");
        File.Delete(bolt);
    }

    /// <summary>conmon writes the log asynchronously: wait until the line is on disk.</summary>
    private async Task WaitForLogAsync(string name, string line)
    {
        string log = _podman!.GraphRoot + "/overlay-containers/" + Ids[name] + "/userdata/ctr.log";
        for (int i = 0; i < 100; i++)
        {
            if (File.Exists(log) && (await File.ReadAllTextAsync(log)).Contains(line, StringComparison.Ordinal))
            {
                return;
            }
            await Task.Delay(100);
        }
        throw new InvalidOperationException($"{name} did not log {line}");
    }

    private static async Task CopyTreeAsync(string from, string to)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(to)!);
        var result = await ProcessRunner.RunAsync("cp", ["-a", from, to]);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"cp -a {from} {to}: {result.Describe()}");
        }
    }

    public async Task DisposeAsync()
    {
        if (_podman is not null)
        {
            await _podman.DisposeAsync();
        }
        _dir.Dispose();
    }
}
