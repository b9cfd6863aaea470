using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// A container a test starts on a real engine of the rig with that engine's own CLI, named
/// cfir-test-cli-&lt;random&gt; (and labelled when the engine allows), and removes on dispose.
/// </summary>
internal sealed class PlantedContainer : IAsyncDisposable
{
    private readonly Func<Task> _remove;

    private PlantedContainer(string name, string id, Func<Task> remove)
    {
        Name = name;
        Id = id;
        _remove = remove;
    }

    public string Name { get; }

    /// <summary>The engine's id (Docker/Podman: 64 hex digits; containerd: the name).</summary>
    public string Id { get; }

    public static string NewName() => "cfir-test-cli-" + Guid.NewGuid().ToString("N")[..12];

    public static string DockerHost => RigEnvironment.DockerHost ?? "unix:///var/run/docker.sock";

    public static string PodmanHost => RigEnvironment.PodmanHost ?? "unix:///run/podman/podman.sock";

    public static string ContainerdAddress => RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress) ?? "/run/containerd/containerd.sock";

    /// <summary><c>docker run -d --network none --name N [--label L] IMAGE sh -c SCRIPT</c>.</summary>
    public static async Task<PlantedContainer> DockerAsync(string? label = null, string script = "echo hello-evidence; sleep 3600", string? namePrefix = null)
    {
        string name = namePrefix is null ? NewName() : namePrefix + Guid.NewGuid().ToString("N")[..12];
        var args = new List<string> { "-H", DockerHost, "run", "-d", "--network", "none", "--name", name };
        if (label is not null)
        {
            args.AddRange(["--label", label]);
        }
        args.AddRange([RigEnvironment.Image, "sh", "-c", script]);
        string id = await ProcessRunner.CheckedAsync("docker", [.. args]);
        return new PlantedContainer(name, id, () => ProcessRunner.RunAsync("docker", ["-H", DockerHost, "rm", "-f", name]));
    }

    /// <summary><c>podman --remote --url SOCK run -d --network none --name N IMAGE sleep 3600</c>.</summary>
    public static async Task<PlantedContainer> PodmanAsync()
    {
        string name = NewName();
        string id = await ProcessRunner.CheckedAsync("podman", "--remote", "--url", PodmanHost, "run", "-d", "--network", "none", "--name", name, RigEnvironment.Image, "sleep", "3600");
        return new PlantedContainer(name, id, () => ProcessRunner.RunAsync("podman", ["--remote", "--url", PodmanHost, "rm", "-f", "-t", "0", name]));
    }

    /// <summary><c>ctr -n NS run -d IMAGE N sleep 3600</c>: in containerd the name is the id.</summary>
    /// <param name="runFlags">More <c>ctr run</c> flags (<c>--cap-add</c>, <c>--net-host</c>, <c>--with-ns</c>, ...).</param>
    public static async Task<PlantedContainer> ContainerdAsync(string ns = "default", params string[] runFlags)
    {
        string name = NewName();
        string image = RigEnvironment.ContainerdImage ?? "docker.io/" + RigEnvironment.Image;
        await ProcessRunner.CheckedAsync("ctr", ["--address", ContainerdAddress, "-n", ns, "run", "-d", .. runFlags, image, name, "sleep", "3600"]);
        return new PlantedContainer(name, name, async () =>
        {
            string[] ctr = ["--address", ContainerdAddress, "-n", ns];
            await ProcessRunner.RunAsync("ctr", [.. ctr, "tasks", "kill", "-s", "KILL", name]);
            // The task must have exited before it can be deleted; --force covers a slow exit.
            await ProcessRunner.RunAsync("ctr", [.. ctr, "tasks", "delete", "--force", name]);
            await ProcessRunner.RunAsync("ctr", [.. ctr, "containers", "delete", name]);
        });
    }

    public async ValueTask DisposeAsync() => await _remove();
}
