using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// Finds the runtimes to use: asks each requested provider (all of them for "auto") for its
/// candidates, keeps the ones that answered and remembers why the others did not; then looks
/// inside their running containers for runtimes nested there (<see cref="NestedDiscovery"/>),
/// with every provider's sockets, whichever runtimes were asked for on this host.
/// </summary>
public sealed class Discovery
{
    private readonly IReadOnlyList<IRuntimeProvider> _providers;
    private readonly ILogger _log;

    public Discovery(IReadOnlyList<IRuntimeProvider> providers, ILogger log)
    {
        _providers = providers;
        _log = log;
    }

    public IEnumerable<string> KnownRuntimes => _providers.Select(p => p.Name);

    public async Task<DiscoveryResult> DiscoverAsync(DiscoveryRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var requested = request.Runtimes;
        var settings = request.Settings;
        if (request.NestedDepth is < 0 or > DiscoveryRequest.MaxNestedDepth)
        {
            throw new CfirException(ExitCode.UsageError, $"--nested-depth must be between 0 and {DiscoveryRequest.MaxNestedDepth}");
        }
        bool auto = requested.Count == 0 || requested.Contains("auto");
        var unknown = requested.Where(r => r != "auto" && !_providers.Any(p => p.Name == r)).ToList();
        if (unknown.Count > 0)
        {
            throw new CfirException(ExitCode.UsageError, $"unknown runtime '{unknown[0]}'; known: auto, {string.Join(", ", KnownRuntimes)}");
        }
        var image = request.DiskImage;
        var chosen = _providers.Where(p => requested.Contains(p.Name) || auto && (p.ProbedByAuto || p.Options.Any(settings.IsSet))).ToList();
        // Providers are independent: probe them side by side so one hanging daemon costs its timeout once.
        var probes = await Task.WhenAll(chosen.Select(p => image is null
            ? ProbeOneAsync(p, settings, cancellationToken)
            : OpenImageAsync(p, image, settings, cancellationToken))).ConfigureAwait(false);
        var all = probes.SelectMany(p => p).ToList();
        foreach (var skipped in _providers.Where(p => auto && !chosen.Contains(p)))
        {
            all.Add(RuntimeProbe.NotFound(skipped.Name, "-", $"not probed by --runtime auto: name it with --runtime {skipped.Name}"));
        }
        foreach (var p in all)
        {
            if (p.Runtime is not null)
            {
                _log.Information("runtime {Runtime} at {Endpoint}: version {Version}", p.Name, p.Endpoint, p.Runtime.Descriptor.Version);
            }
            else
            {
                _log.Debug("runtime {Runtime} at {Endpoint} not used: {Reason}", p.Name, p.Endpoint, p.Reason);
            }
        }
        if (image is not null)
        {
            // Nothing of a disk image runs: there is no process to look inside.
            return new DiscoveryResult(all, explicitRequest: !auto) { NestedDepth = 0, DiskImage = image };
        }
        var hostRuntimes = all.Where(p => p.Runtime is not null).Select(p => p.Runtime!).ToList();
        var (nested, descents) = await new NestedDiscovery(_providers, settings, request.NestedDepth, request.ProcRoot, _log)
            .DescendAsync(hostRuntimes, cancellationToken).ConfigureAwait(false);
        all.AddRange(nested);
        return new DiscoveryResult(all, explicitRequest: !auto) { NestedDepth = request.NestedDepth, Descents = descents };
    }

    private static async Task<IReadOnlyList<RuntimeProbe>> OpenImageAsync(IRuntimeProvider provider, DiskImage image, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await provider.OpenDiskImageAsync(image, settings, cancellationToken).ConfigureAwait(false);
        }
        // One engine's unreadable state (a corrupted meta.db) must not cost the others theirs.
        catch (Exception ex) when (ex is not CfirException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            return [RuntimeProbe.NotFound(provider.Name, image.Root, $"its state in the image could not be read: {ex.Message}")];
        }
    }

    private async Task<IReadOnlyList<RuntimeProbe>> ProbeOneAsync(IRuntimeProvider provider, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            return await provider.ProbeAsync(settings, cancellationToken).ConfigureAwait(false);
        }
        // A CfirException is the responder's to fix (a malformed kubeconfig): it ends the run with its one line.
        catch (Exception ex) when (ex is not CfirException && (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested))
        {
            return [RuntimeProbe.NotFound(provider.Name, "?", $"probe failed: {ex.Message}")];
        }
    }
}

/// <summary>Every probe made, and the runtimes that answered.</summary>
public sealed class DiscoveryResult
{
    public DiscoveryResult(IReadOnlyList<RuntimeProbe> probes, bool explicitRequest)
    {
        Probes = probes;
        ExplicitRequest = explicitRequest;
    }

    public IReadOnlyList<RuntimeProbe> Probes { get; }

    /// <summary>The user named runtimes: one that did not answer is a failure, not a note.</summary>
    public bool ExplicitRequest { get; }

    /// <summary>How deep runtimes nested in containers were looked for (<c>--nested-depth</c>).</summary>
    public int NestedDepth { get; init; }

    /// <summary>Dead-box: the image every runtime was read from; null for a live collection.</summary>
    public DiskImage? DiskImage { get; init; }

    /// <summary>Every look inside containers for nested runtimes: what was looked into, what answered, why not.</summary>
    public IReadOnlyList<RuntimeDescent> Descents { get; init; } = [];

    public IReadOnlyList<IContainerRuntime> Runtimes => Probes.Where(p => p.Runtime is not null).Select(p => p.Runtime!).ToList();
}
