using System.Diagnostics;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Engine;

/// <summary>
/// The engine's own CLI, to plant containers and to have an independent view to compare with:
/// docker against the rig's socket, podman as a remote client of the rig's service.
/// Every container it creates is removed again in <see cref="Dispose"/>.
/// </summary>
internal sealed class EngineCli : IDisposable
{
    private readonly string _file;
    private readonly string[] _global;
    private readonly List<string> _planted = [];

    public EngineCli(TestSupport.Engine engine)
    {
        Engine = engine;
        if (engine == TestSupport.Engine.Docker)
        {
            _file = File.Exists("/usr/bin/docker") ? "/usr/bin/docker" : "/usr/local/bin/docker";
            _global = ["--host", Endpoint];
        }
        else
        {
            _file = "podman";
            _global = ["--remote", "--url", Endpoint];
        }
    }

    public TestSupport.Engine Engine { get; }

    public string Endpoint => (Engine == TestSupport.Engine.Docker ? RigEnvironment.DockerHost : RigEnvironment.PodmanHost)
        ?? throw new InvalidOperationException($"{Engine} endpoint not set: run scripts/rig/up.sh");

    /// <summary>The options every test container needs on the rig.</summary>
    private string[] RunOptions => Engine == TestSupport.Engine.Podman
        ? ["--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
        : ["--network", "none"];

    public static string NewName(string what) => $"cfir-test-{what}-{Guid.NewGuid().ToString("N")[..10]}";

    /// <summary>Starts a container in the background (detached); returns its full id.</summary>
    public string RunDetached(string name, IEnumerable<string> options, params string[] command)
    {
        _planted.Add(name);
        return Run(["run", "-d", "--name", name, .. RunOptions, .. options, RigEnvironment.Image, .. command]);
    }

    /// <summary>Runs a container to completion (it ends "exited"); returns its full id.</summary>
    public string RunToExit(string name, IEnumerable<string> options, params string[] command)
    {
        _planted.Add(name);
        Run(["run", "--name", name, .. RunOptions, .. options, RigEnvironment.Image, .. command]);
        return Inspect(name, "{{.Id}}");
    }

    public string Inspect(string name, string format) => Run(["inspect", "--format", format, name]);

    /// <summary>Force-removes; podman would otherwise wait 10 s for a PID 1 that ignores SIGTERM.</summary>
    public void Remove(string name) => Run(Engine == TestSupport.Engine.Podman ? ["rm", "-f", "-t", "0", name] : ["rm", "-f", name]);

    public string Run(params string[] args)
    {
        var psi = new ProcessStartInfo(_file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var a in _global.Concat(args))
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment.Remove("DOCKER_HOST");
        psi.Environment.Remove("CONTAINER_HOST");
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"cannot start {_file}");
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{_file} {string.Join(' ', args)} did not finish");
        }
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{_file} {string.Join(' ', args)} exited {p.ExitCode}: {stderr.Result.Trim()}");
        }
        return stdout.Result.Trim();
    }

    public void Dispose()
    {
        foreach (var name in _planted)
        {
            try
            {
                Remove(name);
            }
            catch (InvalidOperationException)
            {
                // Already gone (a test removed it on purpose).
            }
        }
    }
}
