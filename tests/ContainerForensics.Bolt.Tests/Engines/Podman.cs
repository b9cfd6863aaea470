using ContainerForensics.TestSupport;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>Podman's CLI as a remote client of the rig's service; containers it makes (cfir-test-*) go again on dispose.</summary>
internal sealed class Podman : IAsyncDisposable
{
    private readonly List<string> _made = [];

    public Podman() => Endpoint = RigEnvironment.PodmanHost ?? throw new InvalidOperationException("Podman endpoint not set: run scripts/rig/up.sh");

    public string Endpoint { get; }

    /// <summary>A created (not started) container with these labels; its name.</summary>
    public async Task<string> CreateAsync(IReadOnlyDictionary<string, string> labels)
    {
        string name = "cfir-test-bolt-" + Guid.NewGuid().ToString("N")[..12];
        _made.Add(name);
        var args = new List<string> { "create", "--name", name, "--network", "none" };
        foreach (var (k, v) in labels)
        {
            args.AddRange(["--label", $"{k}={v}"]);
        }
        args.AddRange([RigEnvironment.Image, "sleep", "3600"]);
        await RunAsync([.. args]);
        return name;
    }

    public Task<string> RunAsync(params string[] args) => Cli.RunAsync("podman", ["--remote", "--url", Endpoint, .. args]);

    public async ValueTask DisposeAsync()
    {
        foreach (var name in _made)
        {
            await Cli.RunAsync("podman", ["--remote", "--url", Endpoint, "rm", "-f", "-t", "0", name], check: false);
        }
    }
}
