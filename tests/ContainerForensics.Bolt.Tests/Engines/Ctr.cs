using ContainerForensics.TestSupport;

namespace ContainerForensics.Bolt.Tests.Engines;

/// <summary>containerd's own CLI against the rig's containerd; containers it makes (cfir-test-*) go again on dispose.</summary>
internal sealed class Ctr : IAsyncDisposable
{
    public const string Namespace = "default";

    private readonly List<string> _made = [];

    public Ctr()
    {
        Address = RigEnvironment.SocketPath(RigEnvironment.ContainerdAddress)
            ?? throw new InvalidOperationException("containerd rig socket missing: run scripts/rig/up.sh");
        Image = RigEnvironment.ContainerdImage ?? "docker.io/cfir-test/busybox:latest";
    }

    public string Address { get; }

    public string Image { get; }

    /// <summary>A container record (no task) on the overlayfs snapshotter, with these labels; its id.</summary>
    public async Task<string> CreateAsync(IReadOnlyDictionary<string, string> labels)
    {
        string id = "cfir-test-bolt-" + Guid.NewGuid().ToString("N")[..12];
        _made.Add(id);
        var args = new List<string> { "containers", "create", "--snapshotter", "overlayfs" };
        foreach (var (k, v) in labels)
        {
            args.AddRange(["--label", $"{k}={v}"]);
        }
        args.AddRange([Image, id, "sleep", "3600"]);
        await RunAsync([.. args]);
        return id;
    }

    public Task<string> RunAsync(params string[] args) => Cli.RunAsync("ctr", ["--address", Address, "-n", Namespace, .. args]);

    public async ValueTask DisposeAsync()
    {
        foreach (var id in _made)
        {
            await Cli.RunAsync("ctr", ["--address", Address, "-n", Namespace, "containers", "delete", id], check: false);
        }
    }
}
