using System.Diagnostics;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// containerd's own CLI, to plant containers for the real-engine tests and clean them up.
/// Every container it makes is named cfir-test-*, and is removed on dispose.
/// </summary>
internal sealed class Ctr : IAsyncDisposable
{
    private readonly List<(string Ns, string Id)> _made = [];

    public Ctr()
    {
        Address = RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress)
            ?? throw new InvalidOperationException("containerd rig socket missing: run scripts/rig/up.sh");
        Image = RigEnvironment.ContainerdImage ?? "docker.io/cfir-test/busybox:latest";
    }

    public string Address { get; }

    public string Image { get; }

    public static string NewId() => "cfir-test-" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A running container (a task with <c>sleep</c>).</summary>
    public async Task<string> RunAsync(string ns)
    {
        string id = NewId();
        _made.Add((ns, id));
        await RunCtrAsync("-n", ns, "run", "-d", "--net-host", Image, id, "sleep", "3600");
        return id;
    }

    /// <summary>A running container whose command is <c>sh -c SCRIPT</c>, on the overlayfs snapshotter unless told otherwise.</summary>
    public async Task<string> RunShellAsync(string ns, string script, string snapshotter = "overlayfs")
    {
        string id = NewId();
        _made.Add((ns, id));
        await RunCtrAsync("-n", ns, "run", "-d", "--net-host", "--snapshotter", snapshotter, Image, id, "sh", "-c", script);
        return id;
    }

    /// <summary>A container record without a task.</summary>
    public async Task<string> CreateAsync(string ns)
    {
        string id = NewId();
        _made.Add((ns, id));
        await RunCtrAsync("-n", ns, "containers", "create", "--net-host", Image, id, "sleep", "3600");
        return id;
    }

    public async Task DeleteAsync(string ns, string id)
    {
        await RunCtrAsync(check: false, "-n", ns, "tasks", "kill", "-s", "KILL", id);
        await RunCtrAsync(check: false, "-n", ns, "tasks", "delete", "--force", id);
        await RunCtrAsync("-n", ns, "containers", "delete", id);
        _made.Remove((ns, id));
    }

    public Task<string> RunCtrAsync(params string[] args) => RunCtrAsync(check: true, args);

    public async Task<string> RunCtrAsync(bool check, params string[] args)
    {
        var psi = new ProcessStartInfo("ctr") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("--address");
        psi.ArgumentList.Add(Address);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
        var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
        await p.WaitForExitAsync(timeout.Token);
        if (check && p.ExitCode != 0)
        {
            throw new InvalidOperationException($"ctr {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
        }
        return await stdout;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (ns, id) in _made.ToList())
        {
            try
            {
                await DeleteAsync(ns, id);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // best effort: a leftover cfir-test-* container is harmless and visible by name
            }
        }
    }
}
