using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Containerd.Offline;
using ContainerForensics.Core;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Containerd;

/// <summary>
/// Finds containerd daemons. Candidates, in order (<see cref="Candidates"/>):
/// <list type="number">
/// <item><c>--containerd-address</c> (<see cref="ContainerdOptions.Address"/>);</item>
/// <item><c>CONTAINERD_ADDRESS</c> from the environment;</item>
/// <item><c>/run/containerd/containerd.sock</c>, containerd's default;</item>
/// <item><c>/var/run/docker/containerd/containerd.sock</c>, the containerd that dockerd starts
/// itself when it is not pointed at one;</item>
/// <item><c>$XDG_RUNTIME_DIR/containerd/containerd.sock</c>, rootless containerd
/// (containerd-rootless.sh), when XDG_RUNTIME_DIR is set.</item>
/// </list>
/// Every candidate is tried; two that are the same socket (after resolving symbolic links, e.g.
/// /var/run → /run) are probed once. A candidate answers when the Version call succeeds within
/// <see cref="RuntimeSettings.CallTimeout"/>.
/// </summary>
public sealed class ContainerdRuntimeProvider : IRuntimeProvider
{
    /// <summary>The candidate the responder named on the command line; its failure is recorded as an error.</summary>
    private const string RequestedSource = "--containerd-address";

    public const string RuntimeName = "containerd";

    /// <summary>The sockets tried after the explicit addresses, with why.</summary>
    public static readonly IReadOnlyList<ContainerdEndpointCandidate> WellKnownSockets =
    [
        new("default", "/run/containerd/containerd.sock"),
        new("docker-managed", "/var/run/docker/containerd/containerd.sock"),
    ];

    private readonly IReadOnlyList<ContainerdEndpointCandidate> _wellKnown;

    public ContainerdRuntimeProvider()
        : this(WellKnownSockets)
    {
    }

    /// <summary>With other well-known sockets (tests: so that a host's real containerd stays out).</summary>
    internal ContainerdRuntimeProvider(IReadOnlyList<ContainerdEndpointCandidate> wellKnown)
    {
        _wellKnown = wellKnown;
    }

    public string Name => RuntimeName;

    public IReadOnlyList<RuntimeOption> Options => [ContainerdOptions.Address, ContainerdOptions.Namespace, ContainerdOptions.Root];

    /// <summary>
    /// Dead-box data roots looked for when <c>--containerd-root</c> is not given, with why: the
    /// default root, the containerd that dockerd starts itself (older Docker), k3s' and RKE2's.
    /// </summary>
    public static readonly IReadOnlyList<ContainerdEndpointCandidate> WellKnownDataRoots =
    [
        new("default", "/var/lib/containerd"),
        new("docker-managed", "/var/lib/docker/containerd/daemon"),
        new("k3s", "/var/lib/rancher/k3s/agent/containerd"),
        new("rke2", "/var/lib/rancher/rke2/agent/containerd"),
    ];

    /// <summary>The candidates for these settings, in the order they are tried, before deduplication.</summary>
    public IReadOnlyList<ContainerdEndpointCandidate> Candidates(RuntimeSettings settings)
    {
        var list = new List<ContainerdEndpointCandidate>();
        if (settings.Option(ContainerdOptions.Address) is { } address)
        {
            list.Add(new(ContainerdOptions.Address.Flag, address));
        }
        if (settings.GetEnvironment("CONTAINERD_ADDRESS") is { } env)
        {
            list.Add(new("CONTAINERD_ADDRESS", env));
        }
        list.AddRange(_wellKnown);
        if (settings.GetEnvironment("XDG_RUNTIME_DIR") is { } xdg && Path.IsPathRooted(xdg))
        {
            list.Add(new("rootless", Path.Join(xdg, "containerd", "containerd.sock")));
        }
        return list;
    }

    /// <summary>Inside a container (a kind node): containerd's default socket, which also serves its CRI.</summary>
    public IReadOnlyList<string> NestedSockets => [WellKnownSockets[0].Address];

    /// <summary>A socket Core found inside a container: connected through its descriptor, the Version call within the budget.</summary>
    public async Task<RuntimeProbe> ProbeNestedAsync(NestedSocket socket, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(settings);
        var details = new Dictionary<string, string>(StringComparer.Ordinal) { ["source"] = $"nested ({socket.Path} in {socket.Link.Describe()})" };
        try
        {
            var channel = new ContainerdChannel(socket.ConnectPath, settings.CallTimeout, socket.Endpoint);
            return RuntimeProbe.Found(await ContainerdRuntime.ConnectAsync(channel, settings, details, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            return RuntimeProbe.NotFound(Name, socket.Endpoint, ex.Message);
        }
    }

    public async Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.IsSet(ContainerdOptions.Root))
        {
            throw new CfirException(ExitCode.UsageError, $"{ContainerdOptions.Root.Flag} names a data root inside a disk image: give the image with --root");
        }
        var probes = new List<RuntimeProbe>();
        var seen = new Dictionary<string, ContainerdEndpointCandidate>(StringComparer.Ordinal);
        foreach (var candidate in Candidates(settings))
        {
            probes.Add(await ProbeOneAsync(candidate, settings, seen, cancellationToken).ConfigureAwait(false));
        }
        return probes;
    }

    /// <summary>
    /// Dead-box: each data root found in the image (<c>--containerd-root</c>, else
    /// <see cref="WellKnownDataRoots"/>) is a runtime read from its files, no daemon asked. A root is
    /// found when its metadata plugin's folder is there; a torn meta.db is still a runtime (what can
    /// be read, and the remnants).
    /// </summary>
    public Task<IReadOnlyList<RuntimeProbe>> OpenDiskImageAsync(DiskImage image, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(settings);
        var probes = new List<RuntimeProbe>();
        IReadOnlyList<ContainerdEndpointCandidate> roots = settings.Option(ContainerdOptions.Root) is { } given
            ? [new(ContainerdOptions.Root.Flag, given)]
            : WellKnownDataRoots;
        foreach (var candidate in roots)
        {
            bool requested = candidate.Source == ContainerdOptions.Root.Flag;
            string path = candidate.Address.TrimEnd('/');
            if (!candidate.Address.StartsWith('/') || path.Split('/').Any(s => s is "." or ".."))
            {
                probes.Add(RuntimeProbe.NotFound(Name, candidate.Address, $"{candidate.Source}: '{candidate.Address}' is not an absolute path inside the image") with { Requested = requested });
                continue;
            }
            var root = new ContainerdDataRoot(path.Length == 0 ? "/" : path);
            string plugin = $"{root.Root}/{ContainerdDataRoot.MetadataPlugin}";
            var stat = image.Lstat(plugin, out int errno);
            if (stat is not { Kind: EntryKind.Directory })
            {
                string why = stat is null ? Core.FileSystem.UnixError.Describe(errno) : $"a {stat.Kind.ToString().ToLowerInvariant()}, not a directory";
                probes.Add(RuntimeProbe.NotFound(Name, image.Show(root.Root), $"{candidate.Source}: no containerd data root ({image.Show(plugin)}: {why})") with { Requested = requested });
                continue;
            }
            probes.Add(RuntimeProbe.Found(new OfflineContainerdRuntime(image, root, settings,
                $"{candidate.Source}: containerd's data root {root.Root} in the disk image at {image.Root}, read from its files (no daemon)")));
        }
        return Task.FromResult<IReadOnlyList<RuntimeProbe>>(probes);
    }

    private async Task<RuntimeProbe> ProbeOneAsync(ContainerdEndpointCandidate candidate, RuntimeSettings settings,
        Dictionary<string, ContainerdEndpointCandidate> seen, CancellationToken cancellationToken)
    {
        string? path = ContainerdAddress.ToSocketPath(candidate.Address, out string? unusable);
        if (path is null)
        {
            return RuntimeProbe.NotFound(Name, candidate.Address, $"{candidate.Source}: {unusable}") with { Requested = candidate.Source == RequestedSource };
        }
        string real = RealPath.Resolve(path);
        if (seen.TryGetValue(real, out var earlier))
        {
            return RuntimeProbe.NotFound(Name, path, $"{candidate.Source}: same socket as {earlier.Source} ({earlier.Address}), probed once") with { Requested = candidate.Source == RequestedSource };
        }
        seen[real] = candidate;
        if (!File.Exists(path))
        {
            return RuntimeProbe.NotFound(Name, path, $"{candidate.Source}: no socket at {path}") with { Requested = candidate.Source == RequestedSource };
        }
        var details = new Dictionary<string, string>(StringComparer.Ordinal) { ["source"] = candidate.Source };
        if (real != path)
        {
            details["realPath"] = real;
        }
        try
        {
            var channel = new ContainerdChannel(path, settings.CallTimeout);
            return RuntimeProbe.Found(await ContainerdRuntime.ConnectAsync(channel, settings, details, cancellationToken).ConfigureAwait(false));
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            return RuntimeProbe.NotFound(Name, path, $"{candidate.Source}: {ex.Message}") with { Requested = candidate.Source == RequestedSource };
        }
    }
}
