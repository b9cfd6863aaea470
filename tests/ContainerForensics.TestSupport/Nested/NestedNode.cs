using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// A container that runs a container runtime of its own, in the rig's dockerd or in a
/// <see cref="DockerInDocker"/>'s (<see cref="Engine"/>), started as kind
/// starts its nodes with what this VM allows (<c>--privileged</c> needs CAP_SYS_RESOURCE, which
/// root lacks here): every capability but that one, no seccomp, AppArmor or masked /proc paths,
/// the host's cgroup tree read-write, the runtime's data on an anonymous volume (the inner
/// overlay mounts need a filesystem that is not itself overlay) and tmpfs on /run and /tmp.
/// Named <c>cfir-test-node-…</c> or <c>cfir-test-dind-…</c> and labelled
/// <see cref="Label"/>, so scripts/rig/down.sh removes what a crashed test left (a node inside a
/// DinD goes with that one's container). Disposing
/// removes it with its volume: every nested process dies with the node's pid namespace, and
/// the nested cgroups (placed below the node's own, see <see cref="CgroupParent"/>) with its cgroup.
/// </summary>
public abstract partial class NestedNode : IAsyncDisposable
{
    /// <summary>The label every node carries (value: node or dind); scripts/rig/down.sh removes containers with it.</summary>
    public const string Label = "org.cfir.rig.nested";

    /// <summary>Hang guard for a daemon to answer or a process to appear: seconds in practice.</summary>
    protected static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(60);

    private static long _nextSleep = Random.Shared.Next(100_000_000, 900_000_000);

    private readonly HashSet<string> _imported = new(StringComparer.Ordinal);

    protected NestedNode(NodeEngine engine, string name, string id, int hostPid)
    {
        Engine = engine;
        Name = name;
        Id = id;
        HostPid = hostPid;
        PidNamespace = NestedProcesses.PidNamespaceOf(hostPid)
            ?? throw new InvalidOperationException($"node {name}: /proc/{hostPid}/ns/pid unreadable");
        CgroupParent = ReadCgroupParent(hostPid);
    }

    /// <summary>The dockerd that runs the node container.</summary>
    public NodeEngine Engine { get; }

    /// <summary>The node container's name (cfir-test-node-… / cfir-test-dind-…), also its hostname.</summary>
    public string Name { get; }

    /// <summary>The node container's full id in its <see cref="Engine"/>.</summary>
    public string Id { get; }

    /// <summary>The host pid of the node's init: the nested daemon itself (containerd, or the shell that exec'd dockerd).</summary>
    public int HostPid { get; }

    /// <summary>The inode of the node's pid namespace, the one the nested runtime reports pids in.</summary>
    public ulong PidNamespace { get; }

    /// <summary>The node's root as the host reaches it.</summary>
    public string RootPath => $"/proc/{HostPid.ToString(CultureInfo.InvariantCulture)}/root";

    /// <summary>
    /// The node's own cgroup (cgroup v1: the host's tree is mounted in it and the node sees its
    /// own path, e.g. /docker/&lt;id&gt;). Nested containers are put below it, so that removing the
    /// node removes their cgroups too (runc deletes a cgroup with its children). Null on cgroup v2,
    /// where the nested runtime keeps its defaults.
    /// </summary>
    public string? CgroupParent { get; }

    /// <summary>Whether <see cref="RemoveAsync"/> ran.</summary>
    public bool Removed { get; private set; }

    /// <summary>Whether the nested daemon is stopped (<see cref="FreezeDaemonAsync"/>).</summary>
    public bool DaemonFrozen { get; private set; }

    /// <summary>Runs a command inside the node (<c>docker exec</c>); its trimmed stdout.</summary>
    public Task<string> ExecAsync(params string[] command) => Engine.RunAsync(["exec", Name, .. command]);

    /// <summary>Reads a file of the node through the host (<see cref="RootPath"/>).</summary>
    public byte[] ReadFile(string pathInNode) => File.ReadAllBytes(RootPath + pathInNode);

    /// <summary>
    /// Removes the node mid-test (<c>docker rm -f -v</c>): the daemon and everything nested in
    /// it are killed, its socket stops answering. Waits until its init is gone from /proc.
    /// </summary>
    public async Task RemoveAsync()
    {
        Removed = true;
        await Engine.RunAsync(["rm", "-f", "-v", Name]);
        await WaitUntilAsync(() => Task.FromResult(!Directory.Exists($"/proc/{HostPid.ToString(CultureInfo.InvariantCulture)}")), $"node {Name}'s init (host pid {HostPid}) to exit");
    }

    /// <summary>
    /// Stops the nested daemon (SIGSTOP from the host to the node's init) so that its socket
    /// hangs: connections are accepted by the kernel and never answered. Its containers keep
    /// running (they are the shims' children, not the daemon's). Returns once every thread of the
    /// daemon is stopped: kill(2) only queues the signal.
    /// </summary>
    public async Task FreezeDaemonAsync()
    {
        await SignalAsync("STOP");
        DaemonFrozen = true;
        string tasks = $"/proc/{HostPid.ToString(CultureInfo.InvariantCulture)}/task";
        await WaitUntilAsync(() => Task.FromResult(Directory.EnumerateDirectories(tasks).All(Stopped)), $"every thread of node {Name}'s daemon to stop");

        static bool Stopped(string task)
        {
            try
            {
                // "pid (comm) state ...": the state follows the last ')'.
                string stat = File.ReadAllText(Path.Combine(task, "stat"));
                return stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is 'T' or 't';
            }
            catch (IOException)
            {
                return true; // the thread exited
            }
        }
    }

    /// <summary>Lets the daemon run again (SIGCONT).</summary>
    public async Task ThawDaemonAsync()
    {
        await SignalAsync("CONT");
        DaemonFrozen = false;
    }

    public async ValueTask DisposeAsync()
    {
        if (DaemonFrozen && !Removed)
        {
            await ThawDaemonAsync();
        }
        if (!Removed)
        {
            Removed = true;
            // Best effort: a leftover is named cfir-test-* and labelled, and down.sh removes it.
            await Engine.TryRunAsync(["rm", "-f", "-v", Name]);
        }
        GC.SuppressFinalize(this);
    }

    /// <summary>
    /// Starts a node of <paramref name="image"/> (its default command) in <paramref name="engine"/>
    /// and returns its name, id and host pid. <paramref name="dataDirectory"/> gets an anonymous
    /// volume. The same flags work one level down, in a DinD (checked on the rig: dockerd 20.10,
    /// cgroup v1): the DinD has the capabilities, the unconfined profiles and the host's cgroup tree
    /// to give, and its anonymous volume is on the host's filesystem, not on overlay.
    /// </summary>
    protected static async Task<(string Name, string Id, int HostPid)> StartContainerAsync(NodeEngine engine, string kind, string image, string dataDirectory)
    {
        if ((await engine.TryRunAsync(["image", "inspect", "--format", "{{.Id}}", image])).ExitCode != 0)
        {
            throw new InvalidOperationException($"image {image} missing in {engine}: run scripts/rig/up.sh (it builds the nested rig's images with scripts/rig/nested-images.sh)");
        }
        string name = $"cfir-test-{kind}-{Guid.NewGuid().ToString("N")[..10]}";
        string id = await engine.RunAsync([
            "run", "-d", "--name", name, "--hostname", name, "--label", $"{Label}={kind}",
            "--network", "none",
            "--cap-add", "ALL", "--cap-drop", "SYS_RESOURCE",
            "--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined", "--security-opt", "systempaths=unconfined",
            "-v", "/sys/fs/cgroup:/sys/fs/cgroup:rw", "-v", dataDirectory,
            "--tmpfs", "/run", "--tmpfs", "/tmp",
            image,
        ]);
        string pid = await engine.RunAsync(["inspect", "--format", "{{.State.Pid}}", name]);
        return (name, id, await engine.HostPidAsync(int.Parse(pid, NumberStyles.None, CultureInfo.InvariantCulture)));
    }

    /// <summary>Waits until <paramref name="ready"/> holds; on the hang guard, throws with the node's last log lines.</summary>
    protected async Task WaitForDaemonAsync(Func<Task<bool>> ready, string what)
    {
        var deadline = DateTime.UtcNow + StartLimit;
        while (!await ready())
        {
            var (_, state, _) = await Engine.TryRunAsync(["inspect", "--format", "{{.State.Status}}", Name]);
            if (state != "running" || DateTime.UtcNow > deadline)
            {
                var (_, stdout, stderr) = await Engine.TryRunAsync(["logs", "--tail", "30", Name]);
                throw new InvalidOperationException($"{what} in node {Name} did not answer (container {state}); its last log lines:\n{stdout}\n{stderr}");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Imports the rig's test image into the node once per <paramref name="key"/>, by <paramref name="load"/>.</summary>
    protected async Task EnsureImportedAsync(string key, Func<Task> load)
    {
        if (_imported.Contains(key))
        {
            return;
        }
        await load();
        _imported.Add(key);
    }

    /// <summary><c>docker save IMAGES... | docker exec -i NODE COMMAND...</c>, the save from the rig's dockerd.</summary>
    protected Task PipeImagesAsync(string[] images, params string[] command) =>
        Engine.PipeImagesAsync(images, ["exec", "-i", Name, .. command]);

    /// <summary>A shell script that runs the commands side by side and fails when any of them fails.</summary>
    protected static string InParallel(IEnumerable<string> commands) =>
        string.Concat(commands.Select(c => $"{c} & pids=\"$pids $!\"; ")) + "failed=0; for p in $pids; do wait $p || failed=1; done; exit $failed";

    /// <summary>A fresh init for a nested container: the planted file, then <c>exec sleep &lt;unique&gt;</c>.</summary>
    protected static (string Script, string[] Command, byte[] Planted) PlantedInit(string id, string? alsoEcho = null)
    {
        string sleep = Interlocked.Increment(ref _nextSleep).ToString(CultureInfo.InvariantCulture);
        string planted = $"planted in {id}";
        string echo = alsoEcho is null ? "" : $"echo {alsoEcho}; ";
        return ($"echo {planted} > {NestedContainer.PlantedPath} && {echo}exec sleep {sleep}", ["sleep", sleep], Encoding.UTF8.GetBytes(planted + "\n"));
    }

    /// <summary>The container as planted, once its init has exec'd its command (its host pid found through NSpid).</summary>
    protected async Task<NestedContainer> PlantedAsync(string id, string name, string? ns, int innerPid, string[] command, byte[] planted)
    {
        var container = new NestedContainer { Id = id, Name = name, Namespace = ns, InnerPid = innerPid, HostPid = 0, Command = command, PlantedContent = planted };
        int hostPid = 0;
        await WaitUntilAsync(() =>
        {
            hostPid = NestedProcesses.HostPidOf(HostPid, PidNamespace, innerPid) ?? 0;
            return Task.FromResult(hostPid > 0 && NestedProcesses.Cmdline(hostPid) is { } cmdline && cmdline.AsSpan().SequenceEqual(container.Cmdline));
        }, $"nested container {name} (pid {innerPid} in node {Name}) to run {string.Join(' ', command)}");
        return container with { HostPid = hostPid };
    }

    private async Task SignalAsync(string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, HostPid.ToString(CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {HostPid} (node {Name}'s daemon) exited {kill.ExitCode}");
        }
    }

    internal static async Task WaitUntilAsync(Func<Task<bool>> condition, string what)
    {
        var deadline = DateTime.UtcNow + StartLimit;
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"gave up waiting for {what} after {StartLimit}");
            }
            await Task.Delay(50);
        }
    }

    private static string? ReadCgroupParent(int hostPid)
    {
        foreach (string line in File.ReadAllLines($"/proc/{hostPid.ToString(CultureInfo.InvariantCulture)}/cgroup"))
        {
            if (MemoryLine().Match(line) is { Success: true } m)
            {
                return m.Groups[1].Value;
            }
        }
        return null;
    }

    [GeneratedRegex(@"^\d+:memory:(/.*)$")]
    private static partial Regex MemoryLine();
}
