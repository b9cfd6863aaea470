using System.Globalization;

namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// Docker-in-Docker, as CI runners run it (image <see cref="RigEnvironment.DindImage"/>, built by
/// scripts/rig/nested-images.sh from this host's dockerd): a container of the rig's dockerd (or,
/// <see cref="StartInsideAsync"/>, of another DinD's) whose init is
/// <c>dockerd --iptables=false --bridge=none</c>, with its own containerd. The host reaches that
/// dockerd at <see cref="SocketPath"/>, through the container's root; its containers are planted
/// with its own docker CLI (<c>docker exec DIND docker run ...</c>). The test image is loaded on
/// first use.
/// </summary>
public sealed class DockerInDocker : NestedNode
{
    /// <summary>dockerd's socket inside the container (/var/run is a link to /run there, as on Debian).</summary>
    public const string InnerSocket = "/run/docker.sock";

    private DockerInDocker(NodeEngine engine, string name, string id, int hostPid)
        : base(engine, name, id, hostPid)
    {
    }

    /// <summary>The nested dockerd's socket as the host reaches it: /proc/&lt;pid&gt;/root/run/docker.sock.</summary>
    public string SocketPath => RootPath + InnerSocket;

    /// <summary><see cref="SocketPath"/> as a Docker endpoint (unix://...).</summary>
    public string Endpoint => "unix://" + SocketPath;

    /// <summary>Starts one in the rig's dockerd and waits until its dockerd answers (through its own CLI, and its socket is there for the host).</summary>
    public static Task<DockerInDocker> StartAsync() => StartAsync(NodeEngine.Rig);

    /// <summary>
    /// A DinD inside this one (depth 2): the DinD image loaded into this dockerd from the rig's
    /// (<c>docker save | docker exec -i THIS docker load</c>), then run by this dockerd with the
    /// same flags. Removed with this one.
    /// </summary>
    public async Task<DockerInDocker> StartInsideAsync()
    {
        await EnsureImportedAsync("dind-image", () => PipeImagesAsync([RigEnvironment.DindImage], "docker", "load", "-q"));
        return await StartAsync(NodeEngine.Of(this));
    }

    private static async Task<DockerInDocker> StartAsync(NodeEngine engine)
    {
        var (name, id, pid) = await StartContainerAsync(engine, "dind", RigEnvironment.DindImage, "/var/lib/docker");
        var dind = new DockerInDocker(engine, name, id, pid);
        try
        {
            await dind.WaitForDaemonAsync(async () =>
                File.Exists(dind.SocketPath) && (await engine.TryRunAsync(["exec", name, "docker", "version", "--format", "{{.Server.Version}}"])).ExitCode == 0, "dockerd");
            return dind;
        }
        catch
        {
            await dind.DisposeAsync();
            throw;
        }
    }

    /// <summary>What a container of <see cref="RunContainersAsync"/> writes to its stdout before it sleeps.</summary>
    public static string LogLine(string containerName) => "hello-from-" + containerName;

    /// <summary>The inner docker CLI: <c>docker exec DIND docker ARGS</c>.</summary>
    public Task<string> DockerAsync(params string[] args) => ExecAsync(["docker", .. args]);

    /// <summary>Loads the test image into the inner dockerd (once).</summary>
    public Task LoadTestImageAsync() => EnsureImportedAsync("docker", () =>
        PipeImagesAsync([RigEnvironment.Image], "docker", "load", "-q"));

    /// <summary>
    /// Runs <paramref name="count"/> containers in the inner dockerd (<c>--network none</c>, names
    /// cfir-test-inner-&lt;random&gt;), each with a planted file, a line on stdout
    /// (<see cref="LogLine"/>, for its json-file log) and a unique command, and returns them once
    /// each init runs that command.
    /// </summary>
    public async Task<IReadOnlyList<NestedContainer>> RunContainersAsync(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        await LoadTestImageAsync();
        var planned = Enumerable.Range(0, count).Select(_ =>
        {
            string name = "cfir-test-inner-" + Guid.NewGuid().ToString("N")[..10];
            return (Name: name, Init: PlantedInit(name, alsoEcho: LogLine(name)));
        }).ToList();
        // One exec for all of them, run side by side (each docker exec and each docker run costs ~100 ms).
        await ExecAsync("sh", "-c", InParallel(planned.Select(c =>
            $"docker run -d --name {c.Name} --network none {RigEnvironment.Image} sh -c '{c.Init.Script}' >/dev/null")));
        string inspected = await DockerAsync(["inspect", "--format", "{{.Name}} {{.Id}} {{.State.Pid}}", .. planned.Select(c => c.Name)]);
        var byName = inspected.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(f => f[0].TrimStart('/'), f => (Id: f[1], Pid: int.Parse(f[2], NumberStyles.None, CultureInfo.InvariantCulture)), StringComparer.Ordinal);
        var result = new List<NestedContainer>();
        foreach (var (name, init) in planned)
        {
            var (id, pid) = byName[name];
            result.Add(await PlantedAsync(id, name, null, pid, init.Command, init.Planted));
        }
        return result;
    }
}
