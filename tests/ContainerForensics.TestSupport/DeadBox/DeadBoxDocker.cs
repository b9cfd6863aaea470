using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace ContainerForensics.TestSupport.DeadBox;

/// <summary>
/// A private dockerd for dead-box tests, laid out under one folder F as on a machine: its data
/// root at F/var/lib/docker, its exec root at F/run/docker (the tmpfs of a real machine: never
/// part of a copy), its own socket F/d.sock. It runs its containers on the rig's containerd (the
/// only one there is) in namespaces of its own (<c>cfir-deadbox-&lt;random&gt;</c> and its plugins'),
/// so neither the rig's dockerd nor another test's daemon sees them; no iptables, no bridge:
/// its containers run with <c>--network none</c>.
/// <para>
/// A copy (<see cref="CopyAsync"/>) is F/var taken with tar at its absolute place under a new root,
/// so every path dockerd recorded (HostsPath, LogPath, volume sources) means the same file under
/// that root: collect it with <c>--root COPY --docker-root F/var/lib/docker</c>. Dispose removes
/// every container and volume, stops the daemon, unmounts what is left under F, removes F and the
/// daemon's containerd namespaces.
/// </para>
/// </summary>
public sealed class DeadBoxDocker : IAsyncDisposable
{
    /// <summary>Debian's CLI first: it matches the daemon (as in scripts/rig/up.sh).</summary>
    private static readonly string Cli = new[] { "/usr/bin/docker", "/usr/local/bin/docker" }.FirstOrDefault(File.Exists) ?? "docker";

    private Process? _process;

    private DeadBoxDocker(string folder)
    {
        Folder = folder;
        Namespace = "cfir-deadbox-" + Guid.NewGuid().ToString("N")[..8];
    }

    public string Folder { get; }

    /// <summary>The data root (as the daemon names its paths, and as a copy holds it below its root).</summary>
    public string DataRoot => Folder + "/var/lib/docker";

    public string SocketPath => Folder + "/d.sock";

    public string Endpoint => "unix://" + SocketPath;

    /// <summary>The containerd namespace the daemon's containers live in.</summary>
    public string Namespace { get; }

    public bool Running => _process is { HasExited: false };

    /// <summary>Null when a dead-box Docker test can run here, else why not.</summary>
    public static string? Missing()
    {
        if (Environment.UserName != "root")
        {
            return "the dead-box Docker tests start a dockerd of their own: they need root";
        }
        if (!new[] { "/usr/sbin/dockerd", "/usr/bin/dockerd", "/usr/local/bin/dockerd" }.Any(File.Exists))
        {
            return "dockerd is not installed";
        }
        return RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress) is null
            ? "the rig's containerd is not up (dockerd runs its containers there): run scripts/rig/up.sh"
            : EngineFactAttribute.EngineMissing(Engine.Docker);
    }

    public static async Task<DeadBoxDocker> StartAsync()
    {
        // Short: the socket path must fit in 108 bytes.
        var box = new DeadBoxDocker(Directory.CreateTempSubdirectory("cfir-dd-").FullName);
        try
        {
            Directory.CreateDirectory(box.DataRoot);
            await box.StartDaemonAsync();
            return box;
        }
        catch
        {
            await box.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the daemon (again, after <see cref="StopDaemonAsync"/>) and waits until it answers.</summary>
    public async Task StartDaemonAsync()
    {
        File.Delete(SocketPath);
        string containerd = RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress) ?? throw new InvalidOperationException("the rig's containerd is not up");
        var psi = new ProcessStartInfo("dockerd") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["--data-root", DataRoot, "--exec-root", Folder + "/run/docker", "-H", Endpoint, "--pidfile", Folder + "/d.pid",
                     "--iptables=false", "--bridge=none", "--storage-driver", "overlay2",
                     "--containerd", containerd, "--containerd-namespace", Namespace, "--containerd-plugins-namespace", Namespace + "-plugins"])
        {
            psi.ArgumentList.Add(a);
        }
        var log = new System.Text.StringBuilder();
        _process = Process.Start(psi)!;
        _process.OutputDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _process.ErrorDataReceived += (_, e) => { lock (log) { log.AppendLine(e.Data); } };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                lock (log)
                {
                    throw new InvalidOperationException($"the dead-box test's dockerd exited with {_process.ExitCode}: {log}");
                }
            }
            if (File.Exists(SocketPath) && (await TryDockerAsync("version")).ExitCode == 0)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException("the dead-box test's dockerd did not answer within 60 s");
            }
            await Task.Delay(200);
        }
    }

    /// <summary>A clean stop (SIGTERM): dockerd stops its containers and writes their state, as on a shutdown.</summary>
    public async Task StopDaemonAsync()
    {
        if (_process is not { HasExited: false } p)
        {
            return;
        }
        using (var kill = Process.Start("kill", ["-TERM", p.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await p.WaitForExitAsync(guard.Token);
    }

    /// <summary>The rig's test image, saved from the rig's dockerd and loaded here: no registry.</summary>
    public async Task LoadImageAsync()
    {
        string tar = Folder + "/image.tar";
        await Check(RunAsync(Cli, ["-H", RigEnvironment.DockerHost!, "save", "-o", tar, RigEnvironment.Image]));
        await DockerAsync("load", "-i", tar);
        File.Delete(tar);
    }

    /// <summary>The docker CLI against this daemon; its trimmed stdout, or an exception with its stderr.</summary>
    public async Task<string> DockerAsync(params string[] args)
    {
        var (code, stdout, stderr) = await TryDockerAsync(args);
        return code == 0 ? stdout.Trim() : throw new InvalidOperationException($"docker {string.Join(' ', args)} exited {code}: {stderr}");
    }

    public Task<(int ExitCode, string Stdout, string Stderr)> TryDockerAsync(params string[] args) =>
        RunAsync(Cli, ["-H", Endpoint, .. args]);

    /// <summary><c>docker run -d --network none [options] IMAGE sh -c SCRIPT</c>; the container's id.</summary>
    public Task<string> RunAsync(string name, string script, params string[] options) =>
        DockerAsync(["run", "-d", "--network", "none", "--name", name, .. options, RigEnvironment.Image, "sh", "-c", script]);

    /// <summary>Waits until <c>docker logs</c> of a container holds a text, at most 30 s.</summary>
    public async Task WaitForLogAsync(string container, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var (_, stdout, stderr) = await TryDockerAsync("logs", container);
            if ((stdout + stderr).Contains(text, StringComparison.Ordinal))
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"docker logs {container} did not show '{text}' within 30 s");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>Waits until a container is in <paramref name="state"/> (docker inspect .State.Status), at most 30 s.</summary>
    public async Task WaitForStateAsync(string container, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (await DockerAsync("inspect", "--format", "{{.State.Status}}", container) != state)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{container} did not become {state} within 30 s");
            }
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// A copy of F/var/lib/docker under <paramref name="into"/> at the same absolute place (tar
    /// --one-file-system, xattrs and device nodes kept: overlay whiteouts and opaque markers
    /// survive; a running container's merged mount and shm are other filesystems, left out as an
    /// image of the disk leaves them), as an image of this machine would hold it. Taken while the
    /// daemon runs it is crash-consistent, as a snapshot of a live disk is (tar's "file changed as
    /// we read it" is expected then). Returns <paramref name="into"/>.
    /// </summary>
    public async Task<string> CopyAsync(string into)
    {
        Directory.CreateDirectory(into);
        string relative = DataRoot.TrimStart('/');
        var (code, _, stderr) = await RunAsync("sh", ["-c",
            "tar -C / --one-file-system --xattrs --xattrs-include='*' --numeric-owner -cf - \"$1\" | tar -C \"$2\" --xattrs --xattrs-include='*' --numeric-owner -xpf -; exit 0",
            "sh", relative, into]);
        if (!Directory.Exists(Path.Join(into, relative, "containers")))
        {
            throw new InvalidOperationException($"copy of {DataRoot} into {into} failed ({code}): {stderr}");
        }
        return into;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (Running)
            {
                var (code, ids, _) = await TryDockerAsync("ps", "-aq");
                foreach (string id in code == 0 ? ids.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [])
                {
                    await TryDockerAsync("rm", "-f", "-v", id);
                }
                await TryDockerAsync("volume", "prune", "-f");
            }
            await StopDaemonAsync();
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or OperationCanceledException)
        {
            _process?.Kill(entireProcessTree: true);
        }
        _process?.Dispose();
        // Merged roots, shm and netns mounts of containers the daemon did not clean, deepest first.
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
        // The daemon's namespaces in the rig's containerd, now empty (a namespace that is not is refused: nothing else is touched).
        string? containerd = RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress);
        if (containerd is not null)
        {
            await RunAsync("ctr", ["--address", containerd, "namespaces", "remove", Namespace]);
            await RunAsync("ctr", ["--address", containerd, "namespaces", "remove", Namespace + "-plugins"]);
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
        psi.Environment.Remove("DOCKER_HOST");
        using var p = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        return (p.ExitCode, await stdout, await stderr);
    }
}

/// <summary>
/// A test that starts its own dockerd (<see cref="DeadBoxDocker"/>). Outside CI it is skipped,
/// with the reason, when that cannot be done here; in CI it always runs, and fails when it cannot.
/// </summary>
[AttributeUsage(AttributeTargets.Method)]
public sealed class DeadBoxDockerFactAttribute : FactAttribute
{
    public DeadBoxDockerFactAttribute()
    {
        if (!RigEnvironment.IsCi && DeadBoxDocker.Missing() is { } why)
        {
            Skip = why;
        }
    }
}
