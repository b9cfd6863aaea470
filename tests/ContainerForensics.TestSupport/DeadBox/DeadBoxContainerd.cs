using System.Diagnostics;
using System.Globalization;
using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.TestSupport.DeadBox;

/// <summary>
/// A private containerd for dead-box tests, laid out under one folder F as on a machine: its root
/// at F/var/lib/containerd, the pods' CRI logs at F/var/log/pods (the log directory the test's
/// pods are given, as the kubelet gives /var/log/pods), its state at F/run/containerd (the tmpfs
/// of a real machine: never part of a copy). Its own sockets (F/c.sock, its own ttrpc address),
/// no debug or metrics address, the CRI plugin on (its pods are what a Kubernetes node's disk
/// holds) with the rig's restrict_oom_score_adj and the rig's pause image, and a garbage collector
/// that does not run within the test (startup_delay 1h): a container removed during the test
/// leaves its snapshot on disk, as on a host imaged before containerd collected it.
/// <para>
/// A copy (<see cref="CopyAsync"/>) is F/var taken with tar at its absolute place under a new root,
/// so every path containerd recorded (log paths) means the same file under that root: collect it
/// with <c>--root COPY --containerd-root F/var/lib/containerd</c>. Dispose kills every task,
/// stops the daemon, unmounts what is left under F and removes F.
/// </para>
/// </summary>
public sealed class DeadBoxContainerd : IAsyncDisposable
{
    public const string TestImage = "docker.io/cfir-test/busybox:latest";

    private readonly Dictionary<string, PodSandboxConfig> _pods = new(StringComparer.Ordinal);
    private Process? _process;

    private DeadBoxContainerd(string folder)
    {
        Folder = folder;
    }

    public string Folder { get; }

    public string DataRoot => Folder + "/var/lib/containerd";

    public string PodLogs => Folder + "/var/log/pods";

    public string SocketPath => Folder + "/c.sock";

    public bool Running => _process is { HasExited: false };

    public static async Task<DeadBoxContainerd> StartAsync()
    {
        // Short: the socket path must fit in 108 bytes.
        var box = new DeadBoxContainerd(Directory.CreateTempSubdirectory("cfir-db-").FullName);
        try
        {
            Directory.CreateDirectory(box.DataRoot);
            Directory.CreateDirectory(box.PodLogs);
            Directory.CreateDirectory(box.Folder + "/cni");
            await File.WriteAllTextAsync(box.Folder + "/config.toml", $"""
                version = 2
                root = "{box.DataRoot}"
                state = "{box.Folder}/run/containerd"
                [grpc]
                  address = "{box.SocketPath}"
                [ttrpc]
                  address = "{box.SocketPath}.ttrpc"
                [debug]
                  address = ""
                [metrics]
                  address = ""
                [plugins]
                  [plugins."io.containerd.gc.v1.scheduler"]
                    startup_delay = "1h"
                  [plugins."io.containerd.grpc.v1.cri"]
                    restrict_oom_score_adj = true
                    sandbox_image = "{RigEnvironment.PauseImage}"
                    [plugins."io.containerd.grpc.v1.cri".cni]
                      bin_dir = "/usr/lib/cni"
                      conf_dir = "{box.Folder}/cni"
                """);
            await box.StartDaemonAsync();
            return box;
        }
        catch
        {
            await box.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the daemon (again, after <see cref="StopAsync"/>) and waits until it answers.</summary>
    public async Task StartDaemonAsync()
    {
        File.Delete(SocketPath);
        var psi = new ProcessStartInfo("containerd") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(Folder + "/config.toml");
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the dead-box test's containerd exited with {_process.ExitCode}");
            }
            if (File.Exists(SocketPath) && (await TryCtrAsync("version")).ExitCode == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the dead-box test's containerd did not answer within 30 s");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>A clean stop (SIGTERM: containerd closes its databases); the tasks' shims keep running, as they do.</summary>
    public async Task StopAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(guard.Token);
    }

    public async Task<string> CtrAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryCtrAsync(args);
        return code == 0 ? stdout : throw new InvalidOperationException($"ctr {string.Join(' ', args)} exited {code}: {stderr}");
    }

    private Task<(int ExitCode, string Stdout, string Stderr)> TryCtrAsync(params string[] args) =>
        RunAsync("ctr", ["--address", SocketPath, .. args]);

    /// <summary>The test image into namespaces default and k8s.io, the pause image into k8s.io: exported from the rig's containerd, no registry.</summary>
    public async Task ImportImagesAsync()
    {
        string rig = RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress) ?? throw new InvalidOperationException("the rig's containerd is not up: run scripts/rig/up.sh");
        string busybox = Folder + "/busybox.tar";
        string pause = Folder + "/pause.tar";
        await Check(RunAsync("ctr", ["--address", rig, "-n", "default", "images", "export", busybox, TestImage]));
        await Check(RunAsync("ctr", ["--address", rig, "-n", "k8s.io", "images", "export", pause, RigEnvironment.PauseImage]));
        await CtrAsync("-n", "default", "images", "import", busybox);
        await CtrAsync("-n", "k8s.io", "images", "import", busybox);
        await CtrAsync("-n", "k8s.io", "images", "import", pause);
    }

    /// <summary>A running container (<c>ctr run -d</c>, host network) running <c>sh -c SCRIPT</c>.</summary>
    public Task RunAsync(string ns, string id, string script) =>
        CtrAsync("-n", ns, "run", "-d", "--net-host", TestImage, id, "sh", "-c", script);

    /// <summary>
    /// A copy of F/var under <paramref name="into"/> at the same absolute place (tar --one-file-system,
    /// xattrs and device nodes kept: overlay whiteouts and opaque markers survive), as an image of this
    /// machine would hold it. Taken while containerd runs it is crash-consistent, as a snapshot of a
    /// live disk is (tar's "file changed as we read it" is expected then). Returns <paramref name="into"/>.
    /// </summary>
    public async Task<string> CopyAsync(string into)
    {
        Directory.CreateDirectory(into);
        string relative = (Folder + "/var").TrimStart('/');
        var (code, _, stderr) = await RunAsync("sh", ["-c",
            "tar -C / --one-file-system --xattrs --xattrs-include='*' --numeric-owner -cf - \"$1\" | tar -C \"$2\" --xattrs --xattrs-include='*' --numeric-owner -xpf -; exit 0",
            "sh", relative, into]);
        if (!Directory.Exists(Path.Join(into, relative, "lib/containerd")))
        {
            throw new InvalidOperationException($"copy of {Folder}/var into {into} failed ({code}): {stderr}");
        }
        return into;
    }

    /// <summary>
    /// A pod made as the kubelet makes one, through the CRI API (host network, the kubelet's labels
    /// on the sandbox and its containers, log directory F/var/log/pods/&lt;ns&gt;_&lt;name&gt;_&lt;uid&gt;).
    /// </summary>
    public async Task<DeadBoxPod> RunPodAsync(string ns, string name)
    {
        var metadata = new PodSandboxMetadata { Name = name, Namespace = ns, Uid = Guid.NewGuid().ToString(), Attempt = 0 };
        var config = new PodSandboxConfig
        {
            Metadata = metadata,
            LogDirectory = $"{PodLogs}/{ns}_{name}_{metadata.Uid}",
            Linux = new LinuxPodSandboxConfig
            {
                SecurityContext = new LinuxSandboxSecurityContext { NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Node } },
            },
        };
        config.Labels.Add(PodLabels(config));
        string id = await CriAsync(cri => cri.RunPodSandboxAsync(new RunPodSandboxRequest { Config = config }).ResponseAsync, r => r.PodSandboxId);
        var pod = new DeadBoxPod(id, metadata.Uid, config.LogDirectory);
        _pods[id] = config;
        return pod;
    }

    /// <summary>A container of a pod running <c>sh -c SCRIPT</c>, logging to &lt;pod log dir&gt;/&lt;name&gt;/0.log; started. Returns its id.</summary>
    public async Task<string> RunPodContainerAsync(DeadBoxPod pod, string name, string script)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var sandbox = _pods[pod.SandboxId];
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = name },
            Image = new ImageSpec { Image = TestImage },
            LogPath = name + "/0.log",
        };
        config.Labels.Add(PodLabels(sandbox));
        config.Labels.Add("io.kubernetes.container.name", name);
        config.Command.AddRange(["/bin/sh", "-c", script]);
        string id = await CriAsync(cri => cri.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = pod.SandboxId, Config = config, SandboxConfig = sandbox }).ResponseAsync, r => r.ContainerId);
        await CriAsync(cri => cri.StartContainerAsync(new StartContainerRequest { ContainerId = id }).ResponseAsync, _ => 0);
        return id;
    }

    /// <summary>Whether a pod's container has exited (CRI ContainerStatus).</summary>
    public Task<bool> PodContainerExitedAsync(string id) =>
        CriAsync(cri => cri.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = id }).ResponseAsync, r => r.Status.State == ContainerState.ContainerExited);

    /// <summary>CRI RemoveContainer, as the kubelet's garbage collection does: the plugin leaves the log file.</summary>
    public Task RemovePodContainerAsync(string id) =>
        CriAsync(cri => cri.RemoveContainerAsync(new RemoveContainerRequest { ContainerId = id }).ResponseAsync, _ => 0);

    private async Task<TResult> CriAsync<TResponse, TResult>(Func<RuntimeService.RuntimeServiceClient, Task<TResponse>> call, Func<TResponse, TResult> result)
    {
        using var channel = new ContainerdChannel(SocketPath, TimeSpan.FromSeconds(60));
        return result(await call(new RuntimeService.RuntimeServiceClient(channel.CallInvoker)));
    }

    /// <summary>What the kubelet puts on every sandbox and container (pkg/kubelet/types/labels.go).</summary>
    private static Dictionary<string, string> PodLabels(PodSandboxConfig pod) => new()
    {
        ["io.kubernetes.pod.name"] = pod.Metadata.Name,
        ["io.kubernetes.pod.namespace"] = pod.Metadata.Namespace,
        ["io.kubernetes.pod.uid"] = pod.Metadata.Uid,
    };

    /// <summary>Waits until a file holds a text (a container's log line), at most 30 s.</summary>
    public static async Task WaitForTextAsync(string file, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!(File.Exists(file) && (await File.ReadAllTextAsync(file)).Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{file} did not get '{text}' within 30 s");
            }
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!Running && File.Exists(Folder + "/config.toml"))
            {
                await StartDaemonAsync(); // to stop what it left running (shims outlive a stopped daemon)
            }
            foreach (string ns in (string[])["default", "k8s.io"])
            {
                var (code, tasks, _) = await TryCtrAsync("-n", ns, "tasks", "ls", "-q");
                foreach (string task in code == 0 ? tasks.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [])
                {
                    await TryCtrAsync("-n", ns, "tasks", "kill", "-s", "KILL", task);
                    await TryCtrAsync("-n", ns, "tasks", "delete", "--force", task);
                }
            }
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            // best effort: what follows still stops the daemon and removes the folder
        }
        try
        {
            await StopAsync();
        }
        catch (OperationCanceledException)
        {
            _process?.Kill();
        }
        _process?.Dispose();
        // Rootfs mounts of tasks killed without their shim's cleanup, lowest first.
        foreach (string mount in File.ReadAllLines("/proc/self/mountinfo").Select(l => l.Split(' ')[4]).Where(m => m.StartsWith(Folder + "/", StringComparison.Ordinal)).Reverse())
        {
            await RunAsync("umount", ["-l", mount]);
        }
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // best effort: a temporary folder left behind is harmless
        }
    }

    private static async Task Check(Task<(int ExitCode, string Stdout, string Stderr)> run)
    {
        var (code, _, stderr) = await run;
        if (code != 0)
        {
            throw new InvalidOperationException(stderr);
        }
    }

    private static async Task<(int ExitCode, string Stdout, string Stderr)> RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>A pod of the dead-box test's containerd: its sandbox, uid and log directory.</summary>
public sealed record DeadBoxPod(string SandboxId, string Uid, string LogDirectory);
