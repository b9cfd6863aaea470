using System.Diagnostics;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// The real, built cfir run as its own process, the way a responder runs it:
/// <c>dotnet cfir.dll ARGS</c> with stdout and stderr redirected. cfir.dll is the CLI project's
/// build output, copied whole into cfir-app/ beside this test assembly (the project file says why).
/// With CFIR_TEST_BINARY set (e.g. to artifacts/cfir-linux-x64/cfir), that executable runs instead:
/// the published single file, trimmed and precompiled, fails where the build output does not
/// (reflection over trimmed framework code), so the same tests prove the file a responder copies.
/// </summary>
internal static class CfirProcess
{
    /// <summary>Variables that steer discovery: removed so a developer's shell cannot change what the tests probe.</summary>
    private static readonly string[] DiscoveryVariables =
    [
        "DOCKER_HOST", "DOCKER_CONTEXT", "DOCKER_CERT_PATH", "DOCKER_TLS_VERIFY", "DOCKER_TLS",
        "CONTAINER_HOST", "CONTAINER_CONNECTION", "CONTAINERD_ADDRESS", "CONTAINERD_NAMESPACE", "XDG_RUNTIME_DIR",
        "KUBECONFIG", "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",
    ];

    public static string CfirDll
    {
        get
        {
            string path = Path.Combine(AppContext.BaseDirectory, "cfir-app", "cfir.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"cfir.dll is not in cfir-app/ beside the test assembly ({path}): the test project's CopyCfirApp target copies the CLI's build output there", path);
        }
    }

    /// <summary>The published executable named by CFIR_TEST_BINARY, or null to run cfir.dll through dotnet.</summary>
    public static string? Binary
    {
        get
        {
            if (Environment.GetEnvironmentVariable("CFIR_TEST_BINARY") is not { Length: > 0 } binary)
            {
                return null;
            }
            return File.Exists(binary) ? Path.GetFullPath(binary) : throw new FileNotFoundException($"CFIR_TEST_BINARY names no file: {binary}", binary);
        }
    }

    /// <summary>The dotnet host running these tests (DOTNET_HOST_PATH under dotnet test), else dotnet from PATH.</summary>
    public static string DotnetHost
    {
        get
        {
            if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
            {
                return host;
            }
            if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet")
            {
                return self;
            }
            return "dotnet";
        }
    }

    /// <summary>The rig's Docker endpoint as flags, so the tests follow scripts/rig/up.sh rather than this host's defaults.</summary>
    public static string[] DockerFlags => ["--runtime", "docker", "--docker-host", RigEnvironment.DockerHost ?? "unix:///var/run/docker.sock"];

    /// <summary>containerd of the rig, in namespace default.</summary>
    public static string[] ContainerdFlags => ["--runtime", "containerd", "--containerd-address", RigEnvironment.ContainerdAddress ?? "/run/containerd/containerd.sock", "--containerd-namespace", "default"];

    /// <summary>Podman has no flag of its own: CONTAINER_HOST is its first candidate.</summary>
    public static IReadOnlyDictionary<string, string?> PodmanEnvironment => new Dictionary<string, string?>
    {
        ["CONTAINER_HOST"] = RigEnvironment.PodmanHost ?? "unix:///run/podman/podman.sock",
    };

    /// <summary>
    /// The start info for <c>dotnet cfir.dll ARGS</c> (or <see cref="Binary"/> ARGS), optionally behind a wrapper command
    /// (e.g. unshare), with the discovery variables removed and <paramref name="environment"/> applied
    /// (a null value removes a variable).
    /// </summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null,
        string? workingDirectory = null, IReadOnlyList<string>? wrapper = null)
    {
        var command = new List<string>();
        if (wrapper is not null)
        {
            command.AddRange(wrapper);
        }
        if (Binary is { } binary)
        {
            command.Add(binary);
        }
        else
        {
            command.Add(DotnetHost);
            command.Add(CfirDll);
        }
        command.AddRange(args);
        var psi = new ProcessStartInfo(command[0]) { WorkingDirectory = workingDirectory ?? Path.GetTempPath() };
        foreach (var a in command.Skip(1))
        {
            psi.ArgumentList.Add(a);
        }
        foreach (var name in DiscoveryVariables)
        {
            psi.Environment.Remove(name);
        }
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(name);
            }
            else
            {
                psi.Environment[name] = value;
            }
        }
        return psi;
    }

    public static RunningProcess Start(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null, byte[]? stdin = null) =>
        RunningProcess.Start(StartInfo(args, environment), stdin);

    public static Task<ProcessResult> RunAsync(params string[] args) => RunAsync(args, environment: null);

    public static async Task<ProcessResult> RunAsync(IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment, byte[]? stdin = null,
        string? workingDirectory = null, IReadOnlyList<string>? wrapper = null)
    {
        using var process = RunningProcess.Start(StartInfo(args, environment, workingDirectory, wrapper), stdin);
        return await process.WaitAsync(ProcessRunner.HangGuard);
    }
}
