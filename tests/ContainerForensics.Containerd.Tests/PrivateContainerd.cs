using System.Diagnostics;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// A containerd of the test's own (own root, state, sockets under a temporary directory, no
/// CRI plugin), so a test can freeze it with SIGSTOP without touching the rig's shared daemon.
/// Dispose continues, kills and waits for it, then removes its directory.
/// </summary>
internal sealed class PrivateContainerd : IAsyncDisposable
{
    private readonly Process _process;
    private readonly string _dir;

    private PrivateContainerd(Process process, string dir, string socket)
    {
        _process = process;
        _dir = dir;
        SocketPath = socket;
    }

    public string SocketPath { get; }

    public int Pid => _process.Id;

    public static async Task<PrivateContainerd> StartAsync(string binary = "/usr/bin/containerd")
    {
        // Short path: a unix socket path must fit in 108 bytes.
        string dir = Directory.CreateTempSubdirectory("cfir-ctrd-").FullName;
        string socket = Path.Combine(dir, "c.sock");
        string config = Path.Combine(dir, "config.toml");
        await File.WriteAllTextAsync(config, $"""
            version = 2
            root = "{dir}/root"
            state = "{dir}/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "{socket}"
            [ttrpc]
              address = "{socket}.ttrpc"
            [debug]
              address = "{dir}/debug.sock"
            [metrics]
              address = ""
            """);
        var psi = new ProcessStartInfo(binary) { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--config");
        psi.ArgumentList.Add(config);
        var process = Process.Start(psi)!;
        // Drain its log so it never blocks on a full pipe.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var daemon = new PrivateContainerd(process, dir, socket);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // hang guard
        while (!File.Exists(socket))
        {
            if (process.HasExited)
            {
                await daemon.DisposeAsync();
                throw new InvalidOperationException($"private containerd exited with {process.ExitCode}");
            }
            await Task.Delay(50, guard.Token);
        }
        return daemon;
    }

    public void Signal(string name)
    {
        using var kill = Process.Start("kill", ["-" + name, _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{name} {_process.Id} exited {kill.ExitCode}");
        }
        if (name == "STOP")
        {
            WaitUntilStopped();
        }
    }

    /// <summary>
    /// kill(2) returns once SIGSTOP is queued; each of containerd's threads stops when it next
    /// runs. On a busy machine one that is runnable but not yet scheduled could still answer a
    /// request sent right after (seen once in CI): wait until every thread shows state T.
    /// </summary>
    private void WaitUntilStopped()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (true)
        {
            bool all = true;
            foreach (string task in Directory.EnumerateDirectories($"/proc/{_process.Id}/task"))
            {
                string stat;
                try
                {
                    stat = File.ReadAllText(Path.Combine(task, "stat"));
                }
                catch (IOException)
                {
                    continue; // the thread exited
                }
                // pid (comm) state ...: the state follows the last ')'.
                if (stat[(stat.LastIndexOf(')') + 2)..].FirstOrDefault() is not ('T' or 't'))
                {
                    all = false;
                    break;
                }
            }
            if (all)
            {
                return;
            }
            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"containerd {_process.Id} did not stop within 10 s of SIGSTOP");
            }
            Thread.Sleep(10);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Signal("CONT");
            _process.Kill();
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await _process.WaitForExitAsync(guard.Token);
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_dir, recursive: true);
        }
        catch (IOException)
        {
            // best effort: a temporary directory left behind is harmless
        }
    }
}
