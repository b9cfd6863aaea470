using ContainerForensics.Cli.Tests.Support;
using ContainerForensics.TestSupport;
using ContainerForensics.TestSupport.DeadBox;

namespace ContainerForensics.Cli.Tests.DeadBox;

/// <summary>
/// One disk image holding the state of three real engines, as a machine that ran Docker, Podman
/// and containerd side by side would: a private containerd (<see cref="DeadBoxContainerd"/>), a
/// private dockerd (<see cref="DeadBoxDocker"/>) and a private Podman (<see cref="PrivatePodman"/>),
/// each with a running container that planted a file and logged, and a stopped one that logged;
/// containerd also a pod made through the CRI API whose container logs. containerd's containers are
/// first collected live with <c>cfir collect</c> through its socket (<see cref="LiveContainerd"/>);
/// then the three data roots are copied while the engines run (crash-consistent) under one root,
/// <see cref="Root"/>: Podman's at its default place, Docker's and containerd's at the absolute
/// places of their test folders (named with <see cref="RootFlags"/>). Built only for the engines
/// this machine has outside CI; in CI every engine is required.
/// </summary>
public sealed class DeadBoxAllEnginesScenario : IAsyncLifetime
{
    public const string CtrRunning = "ctr-running";
    public const string CtrStopped = "ctr-stopped";

    private readonly TempDirectory _dir = new();
    private DeadBoxContainerd? _containerd;
    private DeadBoxDocker? _docker;
    private PrivatePodman? _podman;

    public string Suffix { get; } = Guid.NewGuid().ToString("N")[..8];

    /// <summary>Why a part could not be built (the tests that need it fail with it), by engine.</summary>
    public Dictionary<Engine, string> Problems { get; } = [];

    /// <summary>The disk image: the three data roots beneath one folder.</summary>
    public string Root => _dir["image"];

    /// <summary><c>cfir collect</c> of the private containerd through its socket, before the copy.</summary>
    public string LiveContainerd => _dir["live-containerd.tar"];

    public string ContainerdDataRoot => _containerd?.DataRoot ?? throw new InvalidOperationException(Problem(Engine.Containerd));

    public string DockerDataRoot => _docker?.DataRoot ?? throw new InvalidOperationException(Problem(Engine.Docker));

    /// <summary>The writer container of the containerd pod, and its log folder.</summary>
    public string WriterId { get; private set; } = "";

    public string PodLogFolder { get; private set; } = "";

    /// <summary>The private containerd's containers (the live collection also holds the rig's containerd's, which every candidate socket probe reaches).</summary>
    public HashSet<string> ContainerdIds { get; } = new(StringComparer.Ordinal);

    /// <summary>Docker's and Podman's containers by name: their ids.</summary>
    public Dictionary<string, string> Ids { get; } = new(StringComparer.Ordinal);

    public string DockerRunning => "dk-run-" + Suffix;
    public string DockerStopped => "dk-stop-" + Suffix;
    public string PodmanRunning => "pm-run-" + Suffix;
    public string PodmanStopped => "pm-stop-" + Suffix;

    /// <summary>The data roots the image holds outside their default places.</summary>
    public string[] RootFlags => ["--root", Root, "--docker-root", DockerDataRoot, "--containerd-root", ContainerdDataRoot];

    public string Scratch(string name) => _dir[name];

    public string Problem(Engine engine) => Problems.GetValueOrDefault(engine) ?? $"{engine} was not set up";

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        await BuildAsync(Engine.Containerd, EngineFactAttribute.EngineMissing(Engine.Containerd), BuildContainerdAsync);
        await BuildAsync(Engine.Docker, DeadBoxDocker.Missing(), BuildDockerAsync);
        await BuildAsync(Engine.Podman, PrivatePodman.Missing(), BuildPodmanAsync);
    }

    private async Task BuildAsync(Engine engine, string? missing, Func<Task> build)
    {
        if (missing is not null && !RigEnvironment.IsCi)
        {
            Problems[engine] = missing;
            return;
        }
        try
        {
            await build();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or TimeoutException or OperationCanceledException)
        {
            Problems[engine] = ex.ToString();
        }
    }

    private async Task BuildContainerdAsync()
    {
        var box = _containerd = await DeadBoxContainerd.StartAsync();
        await box.ImportImagesAsync();
        await box.RunAsync("default", CtrRunning, $"echo planted-{Suffix} > /planted.txt; rm /etc/hosts.allow; touch /ready; exec sleep 3600");
        await box.RunAsync("default", CtrStopped, $"echo stopped-{Suffix} > /stopped.txt");
        var pod = await box.RunPodAsync("cfir-all", "web");
        PodLogFolder = pod.LogDirectory;
        WriterId = await box.RunPodContainerAsync(pod, "writer", $"echo ctr-line-{Suffix}; echo ctr-err-{Suffix} >&2; echo end-of-writer; exec sleep 3600");
        ContainerdIds.UnionWith([CtrRunning, CtrStopped, WriterId, pod.SandboxId]);
        await DeadBoxContainerd.WaitForTextAsync(PodLogFolder + "/writer/0.log", "end-of-writer");
        await WaitForAsync(async () => (await box.CtrAsync("-n", "default", "tasks", "ls")).Split('\n')
            .Any(l => l.StartsWith(CtrStopped + " ", StringComparison.Ordinal) && l.Contains("STOPPED", StringComparison.Ordinal)));
        int probe = 0;
        await WaitForAsync(async () => (await box.CtrAsync("-n", "default", "tasks", "exec", "--exec-id", $"probe-{probe++}", CtrRunning, "test", "-f", "/ready")) is not null);

        var live = await CfirProcess.RunAsync(["collect", "--runtime", "containerd", "--containerd-address", box.SocketPath, "-f", "tar", "-o", LiveContainerd, "-q"], environment: null);
        if (live.ExitCode is not (0 or 1))
        {
            throw new InvalidOperationException($"the live containerd collection failed: {live.Describe()}");
        }
        await box.CopyAsync(Root);
    }

    private async Task BuildDockerAsync()
    {
        var box = _docker = await DeadBoxDocker.StartAsync();
        await box.LoadImageAsync();
        Ids[DockerRunning] = await box.RunAsync(DockerRunning, $"echo planted-{Suffix} > /tmp/planted; echo docker-ready; exec sleep 100000");
        Ids[DockerStopped] = await box.RunAsync(DockerStopped, $"echo docker-line-{Suffix}; echo docker-err-{Suffix} >&2");
        await box.WaitForLogAsync(DockerRunning, "docker-ready");
        await box.WaitForStateAsync(DockerStopped, "exited");
        await box.CopyAsync(Root);
    }

    private async Task BuildPodmanAsync()
    {
        var podman = _podman = await PrivatePodman.StartAsync();
        Ids[PodmanRunning] = await podman.RunContainerAsync(PodmanRunning, true, podman.Image, "sh", "-c", $"echo planted-{Suffix} > /tmp/planted; echo podman-ready; exec sleep 100000");
        Ids[PodmanStopped] = await podman.RunContainerAsync(PodmanStopped, false, podman.Image, "sh", "-c", $"echo podman-line-{Suffix}; echo podman-err-{Suffix} >&2");
        Ids[PodmanStopped] = await podman.RunAsync("inspect", "--format", "{{.Id}}", PodmanStopped);
        string log = podman.GraphRoot + "/overlay-containers/" + Ids[PodmanRunning] + "/userdata/ctr.log";
        await WaitForAsync(async () => File.Exists(log) && (await File.ReadAllTextAsync(log)).Contains("podman-ready", StringComparison.Ordinal));
        await podman.CopyImageAsync(Root);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (InvalidOperationException) when (DateTime.UtcNow < deadline)
            {
                // not yet (ctr exec before the task is up)
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the dead-box scenario did not get ready within 30 s");
            }
            await Task.Delay(200);
        }
    }

    public async Task DisposeAsync()
    {
        if (_podman is not null)
        {
            await _podman.DisposeAsync();
        }
        if (_docker is not null)
        {
            await _docker.DisposeAsync();
        }
        if (_containerd is not null)
        {
            await _containerd.DisposeAsync();
        }
        _dir.Dispose();
    }
}
