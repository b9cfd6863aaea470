using System.Globalization;
using ContainerForensics.Containerd.Cri.Api;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// A kind-like node (image <see cref="RigEnvironment.KindNodeImage"/>, built by
/// scripts/rig/nested-images.sh from this host's containerd): a container of the rig's dockerd
/// whose init is containerd with its CRI plugin. The host reaches that containerd at
/// <see cref="SocketPath"/>, through the node's root; nested containers are planted with the
/// node's own ctr (<c>docker exec NODE ctr ...</c>), pods through the CRI API on that socket, as
/// the kubelet makes them. The test image (and the pause image, for k8s.io) is imported on first use.
/// </summary>
public sealed class KindNode : NestedNode
{
    /// <summary>containerd's socket inside the node.</summary>
    public const string InnerSocket = "/run/containerd/containerd.sock";

    private KindNode(string name, string id, int hostPid)
        : base(NodeEngine.Rig, name, id, hostPid)
    {
    }

    /// <summary>The nested containerd's socket as the host reaches it: /proc/&lt;node pid&gt;/root/run/containerd/containerd.sock.</summary>
    public string SocketPath => RootPath + InnerSocket;

    /// <summary>The test image's name in containerd (docker.io/cfir-test/busybox:latest).</summary>
    public static string Image => RigEnvironment.ContainerdImage ?? "docker.io/cfir-test/busybox:latest";

    /// <summary>Starts a node and waits until its containerd answers on <see cref="SocketPath"/>.</summary>
    public static async Task<KindNode> StartAsync()
    {
        var (name, id, pid) = await StartContainerAsync(NodeEngine.Rig, "node", RigEnvironment.KindNodeImage, "/var/lib/containerd");
        var node = new KindNode(name, id, pid);
        try
        {
            await node.WaitForDaemonAsync(async () =>
                File.Exists(node.SocketPath) && (await RigDocker.TryRunAsync(["exec", name, "ctr", "version"])).ExitCode == 0, "containerd");
            return node;
        }
        catch
        {
            await node.DisposeAsync();
            throw;
        }
    }

    /// <summary>The node's ctr: <c>docker exec NODE ctr ARGS</c>.</summary>
    public Task<string> CtrAsync(params string[] args) => ExecAsync(["ctr", .. args]);

    /// <summary>Imports the test image, and the pause image for the CRI plugin, into a containerd namespace of the node (once).</summary>
    public Task ImportImagesAsync(string ns) => EnsureImportedAsync(ns, () =>
        PipeImagesAsync([RigEnvironment.Image, RigEnvironment.PauseImage], "ctr", "-n", ns, "images", "import", "-"));

    /// <summary>
    /// Runs <paramref name="count"/> containers in containerd namespace <paramref name="ns"/> of
    /// the node (<c>ctr run -d</c>, ids cfir-test-&lt;random&gt;), each with a planted file and a
    /// unique command, and returns them once each init runs that command.
    /// </summary>
    public async Task<IReadOnlyList<NestedContainer>> RunContainersAsync(int count, string ns = "default")
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        await ImportImagesAsync(ns);
        var planned = Enumerable.Range(0, count).Select(_ =>
        {
            string id = "cfir-test-" + Guid.NewGuid().ToString("N")[..12];
            return (Id: id, Init: PlantedInit(id));
        }).ToList();
        // One exec for all of them, run side by side (each docker exec and each ctr run costs ~100 ms).
        await ExecAsync("sh", "-c", InParallel(planned.Select(c =>
            $"ctr -n {ns} run -d {CgroupOption(ns, c.Id)}{Image} {c.Id} sh -c '{c.Init.Script}' >/dev/null")));
        var pids = await TaskPidsAsync(ns);
        var result = new List<NestedContainer>();
        foreach (var (id, init) in planned)
        {
            result.Add(await PlantedAsync(id, id, ns, pids[id], init.Command, init.Planted));
        }
        return result;
    }

    /// <summary>
    /// A pod through the node's CRI API (namespace k8s.io): a sandbox of the rig's pause image and
    /// one container that plants its file, writes a line to stdout (its CRI log) and sleeps. The pod
    /// gets its own network namespace on the node's CNI bridge, or the node's with <paramref name="hostNetwork"/>.
    /// </summary>
    public async Task<NestedPod> RunPodAsync(bool hostNetwork = false, string containerName = "app")
    {
        await ImportImagesAsync("k8s.io");
        using var channel = new ContainerdChannel(SocketPath, StartLimit);
        var cri = new RuntimeService.RuntimeServiceClient(channel.CallInvoker);
        string suffix = Guid.NewGuid().ToString("N")[..10];
        var metadata = new PodSandboxMetadata { Name = "cfir-test-pod-" + suffix, Namespace = "cfir-test", Uid = Guid.NewGuid().ToString(), Attempt = 0 };
        string logDirectory = $"/var/log/pods/{metadata.Namespace}_{metadata.Name}_{metadata.Uid}";
        var sandboxConfig = new PodSandboxConfig
        {
            Metadata = metadata,
            // The kubelet names a pod's own UTS namespace; a host-network pod keeps the node's.
            Hostname = hostNetwork ? "" : metadata.Name,
            LogDirectory = logDirectory,
            Linux = new LinuxPodSandboxConfig
            {
                // cgroupfs: the sandbox and its containers go below <parent>/<id>.
                CgroupParent = CgroupParent is null ? "" : $"{CgroupParent}/kubepods",
                SecurityContext = new LinuxSandboxSecurityContext
                {
                    NamespaceOptions = new NamespaceOption { Network = hostNetwork ? NamespaceMode.Node : NamespaceMode.Pod },
                },
            },
        };
        // What the kubelet puts on every sandbox and container (pkg/kubelet/types/labels.go).
        var podLabels = new Dictionary<string, string>
        {
            ["io.kubernetes.pod.name"] = metadata.Name,
            ["io.kubernetes.pod.namespace"] = metadata.Namespace,
            ["io.kubernetes.pod.uid"] = metadata.Uid,
        };
        sandboxConfig.Labels.Add(podLabels);
        string sandboxId = (await cri.RunPodSandboxAsync(new RunPodSandboxRequest { Config = sandboxConfig })).PodSandboxId;

        var init = PlantedInit($"{metadata.Name}/{containerName}", alsoEcho: $"hello-from-{containerName}");
        var config = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = containerName },
            Image = new ImageSpec { Image = Image },
            LogPath = $"{containerName}/0.log",
        };
        config.Labels.Add(podLabels);
        config.Labels.Add("io.kubernetes.container.name", containerName);
        config.Command.AddRange(["/bin/sh", "-c", init.Script]);
        string containerId = (await cri.CreateContainerAsync(new CreateContainerRequest { PodSandboxId = sandboxId, Config = config, SandboxConfig = sandboxConfig })).ContainerId;
        await cri.StartContainerAsync(new StartContainerRequest { ContainerId = containerId });

        var pids = await TaskPidsAsync("k8s.io");
        var container = await PlantedAsync(containerId, containerName, "k8s.io", pids[containerId], init.Command, init.Planted);
        return new NestedPod
        {
            SandboxId = sandboxId,
            Namespace = metadata.Namespace,
            Name = metadata.Name,
            Uid = metadata.Uid,
            LogDirectory = logDirectory,
            ContainerName = containerName,
            Container = container,
            HostNetwork = hostNetwork,
        };
    }

    /// <summary>The running tasks of a namespace, id to pid, from <c>ctr tasks ls</c> (columns TASK PID STATUS).</summary>
    public async Task<IReadOnlyDictionary<string, int>> TaskPidsAsync(string ns)
    {
        string listing = await CtrAsync("-n", ns, "tasks", "ls");
        var pids = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (string line in listing.Split('\n').Skip(1))
        {
            string[] columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (columns.Length >= 3 && int.TryParse(columns[1], NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                pids[columns[0]] = pid;
            }
        }
        return pids;
    }

    /// <summary>containerd's default cgroup path (/&lt;ns&gt;/&lt;id&gt;), below the node's own cgroup.</summary>
    private string CgroupOption(string ns, string id) => CgroupParent is null ? "" : $"--cgroup {CgroupParent}/{ns}/{id} ";
}
