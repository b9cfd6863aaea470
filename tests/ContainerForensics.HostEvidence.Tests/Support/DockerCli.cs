using System.Diagnostics;
using ContainerForensics.TestSupport;

namespace ContainerForensics.HostEvidence.Tests.Support;

/// <summary>
/// The docker CLI against the rig's dockerd: plants test containers (always <c>--network none</c>,
/// named <c>cfir-test-host-&lt;random&gt;</c>) and gives an independent view to compare the
/// collector with (inspect, cp). Every container it started is force-removed in <see cref="Dispose"/>.
/// </summary>
public sealed class DockerCli : IDisposable
{
    private static readonly TimeSpan CommandTimeout = TimeSpan.FromSeconds(120);

    private readonly string _file;
    private readonly List<string> _planted = [];

    public DockerCli()
    {
        _file = new[] { "/usr/bin/docker", "/usr/local/bin/docker" }.FirstOrDefault(File.Exists) ?? "docker";
    }

    public static string Endpoint => RigEnvironment.DockerHost
        ?? throw new InvalidOperationException("Docker endpoint not set: run scripts/rig/up.sh");

    /// <summary>A fresh name in the host-evidence tests' namespace: cfir-test-host-&lt;what&gt;-&lt;random&gt;.</summary>
    public static string NewName(string what) => $"cfir-test-host-{what}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Starts a detached container of <paramref name="image"/> (default: the rig's busybox); returns its full id.</summary>
    public string RunDetached(string name, string[] command, string[]? options = null, string? image = null)
    {
        _planted.Add(name);
        return Run(["run", "-d", "--name", name, "--network", "none", .. options ?? [], image ?? RigEnvironment.Image, .. command]);
    }

    /// <summary>Runs <c>sh -c <paramref name="script"/></c> in a detached busybox container; returns its full id.</summary>
    public string RunShell(string name, string script, string[]? options = null) =>
        RunDetached(name, ["sh", "-c", script], options);

    /// <summary>Creates a container without starting it; returns its full id.</summary>
    public string Create(string name, string[] command, string? image = null)
    {
        _planted.Add(name);
        return Run(["create", "--name", name, "--network", "none", image ?? RigEnvironment.Image, .. command]);
    }

    public string Inspect(string name, string format) => Run(["inspect", "--format", format, name]);

    /// <summary>The host pid of the container's init (0 when not running).</summary>
    public int InitPid(string name) => int.Parse(Inspect(name, "{{.State.Pid}}"), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Runs a command inside the container (planting only: the collector itself never execs).</summary>
    public string Exec(string name, params string[] command) => Run(["exec", name, .. command]);

    /// <summary>Copies a file out of a container (running or not) to a host path.</summary>
    public void CopyOut(string name, string pathInContainer, string hostPath) => Run(["cp", $"{name}:{pathInContainer}", hostPath]);

    public void Stop(string name) => Run(["stop", "-t", "0", name]);

    public void Remove(string name) => Run(["rm", "-f", name]);

    /// <summary>Whether an image exists locally.</summary>
    public bool HasImage(string reference) => TryRun(["image", "inspect", "--format", "{{.Id}}", reference], out _);

    /// <summary>Runs docker with <paramref name="args"/>; stdin, when given, is written and closed. Throws on a non-zero exit.</summary>
    public string Run(string[] args, byte[]? stdin = null)
    {
        if (!TryRun(args, out string output, stdin, out string error))
        {
            throw new InvalidOperationException($"docker {string.Join(' ', args)} failed: {error}");
        }
        return output;
    }

    public bool TryRun(string[] args, out string output, byte[]? stdin = null) => TryRun(args, out output, stdin, out _);

    private bool TryRun(string[] args, out string output, byte[]? stdin, out string error)
    {
        var psi = new ProcessStartInfo(_file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = stdin is not null,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add("--host");
        psi.ArgumentList.Add(Endpoint);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("DOCKER_CONTEXT");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {_file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (stdin is not null)
        {
            p.StandardInput.BaseStream.Write(stdin);
            p.StandardInput.Close();
        }
        if (!p.WaitForExit(CommandTimeout))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"docker {string.Join(' ', args)} did not finish within {CommandTimeout}");
        }
        output = stdout.Result.Trim();
        error = $"exit {p.ExitCode}: {stderr.Result.Trim()}";
        return p.ExitCode == 0;
    }

    public void Dispose()
    {
        foreach (var name in _planted)
        {
            TryRun(["rm", "-f", name], out _);
        }
    }
}
