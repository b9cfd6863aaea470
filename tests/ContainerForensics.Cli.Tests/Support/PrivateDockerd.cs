using System.Diagnostics;
using System.Globalization;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// A dockerd of the test's own, on the rig's containerd (namespace cfir-watch, its own data root,
/// exec root and socket under a temporary directory), which the test may restart at will: the
/// rig's shared daemon is never restarted. The rig's test image is loaded into it. Dispose removes
/// its containers, stops it, and removes its directory and its (then empty) containerd namespace.
/// </summary>
internal sealed class PrivateDockerd : IAsyncDisposable
{
    private const string Namespace = "cfir-watch";

    private readonly string _dir;
    private Process? _process;

    private PrivateDockerd(string dir)
    {
        _dir = dir;
    }

    /// <summary>unix://DIR/docker.sock.</summary>
    public string Host => "unix://" + Path.Combine(_dir, "docker.sock");

    public static async Task<PrivateDockerd> StartAsync()
    {
        // Short: a unix socket path must fit in 108 bytes.
        var daemon = new PrivateDockerd(Directory.CreateTempSubdirectory("w-dd-").FullName);
        try
        {
            await daemon.StartDaemonAsync();
            var load = await ProcessRunner.RunAsync("sh", ["-c", $"docker -H {PlantedContainer.DockerHost} save {RigEnvironment.Image} | docker -H {daemon.Host} load"]);
            Assert.True(load.ExitCode == 0, $"loading the test image into the private dockerd: {load.Describe()}");
            return daemon;
        }
        catch
        {
            await daemon.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGTERM, wait for it to end (it stops its containers), and start it again on the same state.</summary>
    public async Task RestartAsync()
    {
        await StopDaemonAsync();
        await StartDaemonAsync();
    }

    public Task<string> DockerAsync(params string[] args) => ProcessRunner.CheckedAsync("docker", ["-H", Host, .. args]);

    private async Task StartDaemonAsync()
    {
        var psi = new ProcessStartInfo("dockerd") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in (string[])["--data-root", Path.Combine(_dir, "docker"), "--exec-root", Path.Combine(_dir, "exec"), "-H", Host,
                     "--pidfile", Path.Combine(_dir, "docker.pid"), "--iptables=false", "--bridge=none",
                     "--containerd", RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress) ?? "/run/containerd/containerd.sock",
                     "--containerd-namespace", Namespace, "--containerd-plugins-namespace", Namespace + "-plugins"])
        {
            psi.ArgumentList.Add(a);
        }
        _process = Process.Start(psi)!;
        // Drain its log so it never blocks on a full pipe.
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var deadline = DateTime.UtcNow + ProcessRunner.HangGuard;
        while ((await ProcessRunner.RunAsync("docker", ["-H", Host, "version", "--format", "{{.Server.Version}}"])).ExitCode != 0)
        {
            if (_process.HasExited || DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the private dockerd did not come up (exited: {_process.HasExited})");
            }
            await Task.Delay(200);
        }
    }

    private async Task StopDaemonAsync()
    {
        if (_process is null || _process.HasExited)
        {
            return;
        }
        await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)]);
        using var guard = new CancellationTokenSource(ProcessRunner.HangGuard);
        try
        {
            await _process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            await ProcessRunner.RunAsync("sh", ["-c", $"docker -H {Host} ps -aq | xargs -r docker -H {Host} rm -f"]);
        }
        await StopDaemonAsync();
        await ProcessRunner.RunAsync("ctr", ["--address", RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress) ?? "/run/containerd/containerd.sock", "namespaces", "remove", Namespace]);
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A mount the daemon left behind: harmless in /tmp, and it must not hide the test's result.
        }
    }
}
