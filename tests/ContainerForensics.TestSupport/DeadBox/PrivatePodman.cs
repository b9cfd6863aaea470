using System.Diagnostics;
using System.Text;

namespace ContainerForensics.TestSupport.DeadBox;

/// <summary>
/// A Podman of the test's own for dead-box tests: its own graph root, run root, tmp dir,
/// containers.conf (file locks in its tmp dir, not the shared memory lock segment of the rig's
/// podman) and, when asked, its own API service on its own socket. The graph root is laid out as
/// on a machine, <c>&lt;Directory&gt;/image/var/lib/containers/storage</c>, so a copy of
/// <c>image/</c> is a disk image in which Podman's data is where Podman keeps it; the run root
/// and tmp dir stay outside it, as tmpfs would on a machine. The test image comes from the
/// rig's Podman (<c>podman save</c> over its API). Everything is removed on dispose: containers,
/// mounts, the service, the folder.
/// </summary>
public sealed class PrivatePodman : IAsyncDisposable
{
    /// <summary>What every container of the rig needs (Firecracker limits; no CNI).</summary>
    public static readonly string[] ContainerFlags = ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"];

    public static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    private Process? _service;

    private PrivatePodman(string directory)
    {
        Directory = directory;
    }

    public string Directory { get; }

    /// <summary>The "disk": what a dead-box collection reads with <c>--root</c>.</summary>
    public string ImageRoot => Path.Combine(Directory, "image");

    /// <summary>The graph root, as an image path.</summary>
    public const string DataRoot = "/var/lib/containers/storage";

    public string GraphRoot => ImageRoot + DataRoot;

    public string RunRoot => Path.Combine(Directory, "run");

    public string TmpDir => Path.Combine(Directory, "tmp");

    public string ConfigPath => Path.Combine(Directory, "containers.conf");

    /// <summary>The API service's endpoint, once started.</summary>
    public string? Endpoint { get; private set; }

    /// <summary>The image every container runs, as this Podman names it.</summary>
    public string Image => "localhost/" + RigEnvironment.Image.Replace("localhost/", "", StringComparison.Ordinal);

    /// <summary>Null when podman and the rig's Podman (for the test image) are here, else why not.</summary>
    public static string? Missing()
    {
        if (!File.Exists("/usr/bin/podman") && !File.Exists("/usr/local/bin/podman"))
        {
            return "podman is not installed";
        }
        return EngineFactAttribute.EngineMissing(Engine.Podman);
    }

    /// <param name="engineSettings">Lines added to containers.conf's <c>[engine]</c> table (e.g. a small <c>events_logfile_max_size</c>).</param>
    public static async Task<PrivatePodman> StartAsync(params string[] engineSettings)
    {
        string dir = Path.Combine(Path.GetTempPath(), "cfir-deadbox-podman-" + Guid.NewGuid().ToString("N")[..10]);
        var podman = new PrivatePodman(dir);
        try
        {
            System.IO.Directory.CreateDirectory(podman.GraphRoot);
            System.IO.Directory.CreateDirectory(podman.RunRoot);
            System.IO.Directory.CreateDirectory(podman.TmpDir);
            await File.WriteAllTextAsync(podman.ConfigPath, """
                [containers]
                default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]
                log_driver = "k8s-file"

                [engine]
                cgroup_manager = "cgroupfs"
                events_logger = "file"
                runtime = "runc"
                lock_type = "file"

                """ + string.Join('\n', engineSettings) + "\n");
            string saved = Path.Combine(dir, "image.tar");
            await RunAsync("podman", ["--remote", "--url", RigEnvironment.PodmanHost ?? "unix:///run/podman/podman.sock", "save", "-o", saved, RigEnvironment.Image], null);
            await podman.RunAsync("load", "-i", saved);
            File.Delete(saved);
            return podman;
        }
        catch
        {
            await podman.DisposeAsync();
            throw;
        }
    }

    /// <summary>Runs <c>podman --root ... ARGS</c>; its stdout, trimmed. Throws with stderr when it fails.</summary>
    public Task<string> RunAsync(params string[] args) => RunAsync("podman", [.. GlobalFlags, .. args], Environment);

    /// <summary>Runs a container detached (or not) with the rig's flags: its id.</summary>
    public async Task<string> RunContainerAsync(string name, bool detach, params string[] command) =>
        await RunAsync(["run", .. detach ? (string[])["-d"] : [], "--name", name, .. ContainerFlags, .. command]);

    private string[] GlobalFlags => ["--root", GraphRoot, "--runroot", RunRoot, "--tmpdir", TmpDir, "--storage-driver", "overlay"];

    private Dictionary<string, string> Environment => new() { ["CONTAINERS_CONF"] = ConfigPath };

    /// <summary>Starts <c>podman system service</c> on a socket of its own; its endpoint.</summary>
    public async Task<string> StartServiceAsync()
    {
        string socket = Path.Combine(Directory, "podman.sock");
        var psi = new ProcessStartInfo("podman") { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = "/" };
        foreach (var a in (string[])[.. GlobalFlags, "system", "service", "--time=0", "unix://" + socket])
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["CONTAINERS_CONF"] = ConfigPath;
        _service = Process.Start(psi) ?? throw new InvalidOperationException("podman system service did not start");
        _service.OutputDataReceived += (_, _) => { };
        _service.ErrorDataReceived += (_, _) => { };
        _service.BeginOutputReadLine();
        _service.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!File.Exists(socket))
        {
            if (_service.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"podman system service did not create {socket}");
            }
            await Task.Delay(100);
        }
        Endpoint = "unix://" + socket;
        return Endpoint;
    }

    public async Task StopServiceAsync()
    {
        if (_service is { HasExited: false } service)
        {
            service.Kill(entireProcessTree: false);
            await service.WaitForExitAsync();
        }
        _service?.Dispose();
        _service = null;
        Endpoint = null;
    }

    /// <summary>
    /// Copies the "disk" to <paramref name="destination"/> with tar as a responder would image a
    /// live data root: one file system only (the running containers' overlay and shm mounts are
    /// not the disk), xattrs kept (overlayfs' opaque markers), device nodes kept (whiteouts).
    /// </summary>
    public async Task CopyImageAsync(string destination)
    {
        System.IO.Directory.CreateDirectory(destination);
        string quoted = $"tar --one-file-system --xattrs --xattrs-include='*' -C '{ImageRoot}' -cf - . | tar --xattrs --xattrs-include='*' -C '{destination}' -xpf -";
        // tar exits 1 when a file changed while it was read: a live data root does that.
        var (code, _, stderr) = await ExecAsync("sh", ["-c", quoted + "; s=$?; [ $s -le 1 ] || exit $s"], null);
        if (code != 0)
        {
            throw new InvalidOperationException($"copying {ImageRoot} failed ({code}): {stderr}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopServiceAsync();
        if (System.IO.Directory.Exists(GraphRoot))
        {
            foreach (string[] args in new[] { new[] { "pod", "rm", "-af", "-t", "0" }, ["rm", "-af", "-t", "0"], ["volume", "rm", "-af"] })
            {
                try
                {
                    await ExecAsync("podman", [.. GlobalFlags, .. args], Environment);
                }
                catch (InvalidOperationException)
                {
                    // Best effort: the folder goes below whatever state it is in.
                }
            }
        }
        Unmount(Directory);
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A mount that would not go: left for the machine's cleanup, not a test failure.
        }
    }

    /// <summary>Unmounts whatever is mounted below <paramref name="directory"/> (overlay roots, shm), deepest first.</summary>
    public static void Unmount(string directory)
    {
        string prefix = directory.TrimEnd('/') + "/";
        var points = File.ReadAllLines("/proc/self/mountinfo")
            .Select(l => l.Split(' '))
            .Where(f => f.Length > 4)
            .Select(f => f[4].Replace("\\040", " ", StringComparison.Ordinal))
            .Where(p => p.StartsWith(prefix, StringComparison.Ordinal))
            .OrderByDescending(p => p.Length)
            .ToList();
        foreach (var point in points)
        {
            using var umount = Process.Start(new ProcessStartInfo("umount", ["-l", point]) { RedirectStandardError = true });
            umount?.WaitForExit(10_000);
        }
    }

    private static async Task<string> RunAsync(string file, string[] args, Dictionary<string, string>? environment)
    {
        var (code, stdout, stderr) = await ExecAsync(file, args, environment);
        if (code != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} failed ({code}): {stderr}");
        }
        return stdout.Trim();
    }

    private static async Task<(int Code, string Stdout, string Stderr)> ExecAsync(string file, string[] args, Dictionary<string, string>? environment)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true, WorkingDirectory = "/" };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var (k, v) in environment ?? [])
        {
            psi.Environment[k] = v;
        }
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(CommandTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} did not end within {CommandTimeout}");
        }
        return (process.ExitCode, await stdout, await stderr);
    }
}
