using ContainerForensics.Core.Collection.Nesting;
using ContainerForensics.Core.DiskImages;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Collection;

/// <summary>
/// Finds the runtimes to use: asks each requested provider (all of them for "auto") for its
/// candidates, keeps the ones that answered and remembers why the others did not; then looks
/// inside their running containers for runtimes nested there (<see cref="NestedDiscovery"/>),
/// with every provider's sockets, whichever runtimes were asked for on this host. A collection
/// leaves that descent to the run (<see cref="DiscoverHostAsync"/>), which makes it beside the
/// volatile phase of this host's containers: their volatile evidence does not wait for it.
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

    /// <summary>Every runtime, those nested in containers included: the descent is made here (cfir list).</summary>
    public async Task<DiscoveryResult> DiscoverAsync(DiscoveryRequest request, CancellationToken cancellationToken)
    {
        var host = await DiscoverHostAsync(request, cancellationToken).ConfigureAwait(false);
        return await host.CompleteAsync(null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// This host's runtimes; the descent into their containers is left pending
    /// (<see cref="DiscoveryResult.DescentPending"/>) for <see cref="DiscoveryResult.CompleteAsync"/>,
    /// which the collection runs from its own listings.
    /// </summary>
    public async Task<DiscoveryResult> DiscoverHostAsync(DiscoveryRequest request, CancellationToken cancellationToken)
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
        return new DiscoveryResult(all, explicitRequest: !auto)
        {
            NestedDepth = request.NestedDepth,
            Descent = new NestedDiscovery(_providers, settings, request.NestedDepth, request.ProcRoot, _log),
        };
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

    /// <summary>The listings the descent made or took, by runtime: the collection takes them instead of listing again.</summary>
    public IReadOnlyDictionary<IContainerRuntime, RuntimeListing> Listings { get; init; } = new Dictionary<IContainerRuntime, RuntimeListing>();

    /// <summary>The descent into containers is still to be made (<see cref="CompleteAsync"/>): only this host's runtimes are here.</summary>
    public bool DescentPending => Descent is not null;

    internal NestedDiscovery? Descent { get; init; }

    public IReadOnlyList<IContainerRuntime> Runtimes => Probes.Where(p => p.Runtime is not null).Select(p => p.Runtime!).ToList();

    /// <summary>
    /// Makes the pending descent from these runtimes (<see cref="NestedDiscovery"/>), taking the
    /// listings in <paramref name="listed"/> instead of listing again, and returns the whole
    /// discovery: this host's probes and the nested ones, the descents, every listing made.
    /// The nested runtimes found are the caller's to dispose. Nothing pending: this result.
    /// </summary>
    public async Task<DiscoveryResult> CompleteAsync(IReadOnlyDictionary<IContainerRuntime, RuntimeListing>? listed, CancellationToken cancellationToken)
    {
        if (Descent is not { } descent)
        {
            return this;
        }
        var (nested, descents) = await descent.DescendAsync(Runtimes, listed, cancellationToken).ConfigureAwait(false);
        return new DiscoveryResult([.. Probes, .. nested], ExplicitRequest)
        {
            NestedDepth = NestedDepth,
            DiskImage = DiskImage,
            Descents = descents,
            Listings = new Dictionary<IContainerRuntime, RuntimeListing>(descent.Listings),
        };
    }

    /// <summary>The record of a descent that did not end (the run was interrupted first): each runtime of this host, with why none of its containers was looked into.</summary>
    internal DiscoveryResult NotDescended(string why) => new(Probes, ExplicitRequest)
    {
        NestedDepth = NestedDepth,
        DiskImage = DiskImage,
        Descents = [.. Runtimes.Select(r => new RuntimeDescent { Runtime = r.Descriptor.Name, Endpoint = r.Descriptor.Endpoint, Depth = 1, NotDescended = why })],
        Listings = Listings,
    };
}
