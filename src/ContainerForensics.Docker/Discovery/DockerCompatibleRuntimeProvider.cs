using ContainerForensics.Core;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Discovery;

/// <summary>
/// The probing shared by <see cref="DockerRuntimeProvider"/> and <see cref="PodmanRuntimeProvider"/>:
/// <list type="number">
/// <item>its own candidates (<see cref="EndpointCandidates"/>) in order; one that does not apply
///   is reported with why not; one that resolves to a socket already on the list (symlinks
///   followed: /var/run is /run) is reported as a duplicate and not probed again;</item>
/// <item>then the other engine's candidates, probed too but reported only when they turn out
///   to be this engine (podman-docker's /var/run/docker.sock is Podman), so no socket is
///   listed under both names;</item>
/// <item>probe = socket exists, connect, <c>GET /version</c>, all within
///   <see cref="RuntimeSettings.CallTimeout"/>; probes run side by side, so a hanging daemon
///   costs its budget once. A socket that answers as the other engine is reported "not
///   this engine, see the other provider".</item>
/// </list>
/// </summary>
public abstract class DockerCompatibleRuntimeProvider : IRuntimeProvider
{
    /// <summary>The candidate the responder named on the command line; its failure is recorded as an error.</summary>
    private static readonly string RequestedSource = DockerOptions.Host.Flag;

    private readonly DockerEngineKind _engine;
    private readonly IHostFileSystem _fileSystem;
    private readonly TimeProvider _clock;

    protected DockerCompatibleRuntimeProvider(DockerEngineKind engine, IHostFileSystem fileSystem, TimeProvider clock)
    {
        _engine = engine;
        _fileSystem = fileSystem;
        _clock = clock;
    }

    public string Name => _engine.RuntimeName();

    /// <summary>--docker-host is Docker's; a Podman socket named there answers as Podman and is reported so.</summary>
    public IReadOnlyList<RuntimeOption> Options => _engine == DockerEngineKind.Docker ? [DockerOptions.Host, DockerOptions.Root] : [];

    public async Task<IReadOnlyList<RuntimeProbe>> ProbeAsync(RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (_engine == DockerEngineKind.Docker && settings.IsSet(DockerOptions.Root))
        {
            throw new CfirException(ExitCode.UsageError, $"{DockerOptions.Root.Flag} is a path inside a disk image: give the image with --root DIR too");
        }
        var plan = Plan(settings);
        var tasks = plan.Select(p => p.Probe ? ProbeOneAsync(p.Candidate, p.Foreign, settings, cancellationToken) : Task.FromResult<ProbeOutcome?>(null)).ToList();
        ProbeOutcome?[] outcomes;
        try
        {
            outcomes = await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch
        {
            // Cancelled: close what did connect before passing the cancellation on.
            foreach (var t in tasks.Where(t => t.IsCompletedSuccessfully && t.Result?.Runtime is not null))
            {
                await t.Result!.Runtime!.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
        var probes = new List<RuntimeProbe>();
        for (int i = 0; i < plan.Count; i++)
        {
            var (candidate, foreign, _, duplicateOf) = plan[i];
            var outcome = outcomes[i];
            if (foreign)
            {
                // The other provider reports this candidate; here only if it is ours in disguise.
                if (outcome?.Runtime is { } rt && outcome.Engine == _engine)
                {
                    probes.Add(RuntimeProbe.Found(rt));
                }
                else if (outcome?.Runtime is { } other)
                {
                    await other.DisposeAsync().ConfigureAwait(false);
                }
                continue;
            }
            if (!candidate.Applies)
            {
                probes.Add(RuntimeProbe.NotFound(Name, candidate.Display, candidate.Why) with { Requested = candidate.Source == RequestedSource }); // Why names its own source
            }
            else if (duplicateOf is not null)
            {
                probes.Add(RuntimeProbe.NotFound(Name, candidate.Display, $"{candidate.Source}: same socket as {duplicateOf.Source} ({duplicateOf.Display}), probed there") with { Requested = candidate.Source == RequestedSource });
            }
            else if (outcome!.Runtime is { } runtime)
            {
                if (outcome.Engine == _engine)
                {
                    probes.Add(RuntimeProbe.Found(runtime));
                }
                else
                {
                    string reason = $"{candidate.Source}: answers as {outcome.Engine.DisplayName()} {runtime.Descriptor.Version}, reported by the {outcome.Engine.RuntimeName()} provider";
                    await runtime.DisposeAsync().ConfigureAwait(false);
                    probes.Add(RuntimeProbe.NotFound(Name, candidate.Display, reason) with { Requested = candidate.Source == RequestedSource });
                }
            }
            else
            {
                probes.Add(RuntimeProbe.NotFound(Name, candidate.Display, $"{candidate.Source}: {outcome.Reason}") with { Requested = candidate.Source == RequestedSource });
            }
        }
        return probes;
    }

    /// <summary>
    /// Inside a container: rootful dockerd's default socket and its /run spelling (Docker-in-Docker
    /// images keep /var/run a directory of its own as often as a link to /run), or Podman's API
    /// service socket. Rootless sockets under $XDG_RUNTIME_DIR are not looked for: that variable
    /// is the container's, not cfir's.
    /// </summary>
    public IReadOnlyList<string> NestedSockets => _engine == DockerEngineKind.Podman
        ? [EndpointCandidates.DefaultPodmanSocket]
        : [EndpointCandidates.DefaultDockerSocket, "/run/docker.sock"];

    /// <summary>
    /// A socket Core found inside a container: connected through its descriptor, <c>GET /version</c>
    /// within the budget. Whatever answers is reported under the name it gives itself (a Docker
    /// socket that is Podman's is Podman): Core already probed each socket once, whichever
    /// provider's path reached it.
    /// </summary>
    public async Task<RuntimeProbe> ProbeNestedAsync(NestedSocket socket, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(socket);
        ArgumentNullException.ThrowIfNull(settings);
        var endpoint = DockerEndpoint.NestedUnix(socket.ConnectPath, socket.Endpoint);
        try
        {
            var client = await DockerClient.ConnectAsync(endpoint, settings.CallTimeout, _clock, cancellationToken).ConfigureAwait(false);
            return RuntimeProbe.Found(new DockerRuntime(client, $"nested ({socket.Path} in {socket.Link.Describe()})"));
        }
        catch (DockerException ex)
        {
            return RuntimeProbe.NotFound(Name, endpoint.ToString(), $"{ex.Call}: {ex.Detail}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            return RuntimeProbe.NotFound(Name, endpoint.ToString(), $"cannot connect to {endpoint}: {ex.Message}");
        }
    }

    /// <summary>What will be probed, in order: own candidates (with duplicates marked), then the other engine's new sockets.</summary>
    internal IReadOnlyList<PlannedProbe> Plan(RuntimeSettings settings)
    {
        var seen = new Dictionary<string, EndpointCandidate>(StringComparer.Ordinal);
        var plan = new List<PlannedProbe>();
        foreach (var c in EndpointCandidates.For(_engine, settings))
        {
            if (!c.Applies)
            {
                plan.Add(new PlannedProbe(c, Foreign: false, Probe: false, DuplicateOf: null));
            }
            else if (seen.TryGetValue(Key(c.Endpoint!), out var first))
            {
                plan.Add(new PlannedProbe(c, Foreign: false, Probe: false, DuplicateOf: first));
            }
            else
            {
                seen[Key(c.Endpoint!)] = c;
                plan.Add(new PlannedProbe(c, Foreign: false, Probe: true, DuplicateOf: null));
            }
        }
        foreach (var c in EndpointCandidates.For(_engine.Other(), settings).Where(c => c.Applies))
        {
            if (seen.TryAdd(Key(c.Endpoint!), c))
            {
                plan.Add(new PlannedProbe(c, Foreign: true, Probe: true, DuplicateOf: null));
            }
        }
        return plan;
    }

    /// <summary>Two candidates are one daemon when they resolve to the same socket file or host:port.</summary>
    private string Key(DockerEndpoint endpoint) => endpoint.Kind == DockerEndpointKind.Unix
        ? "unix:" + _fileSystem.ResolvePath(endpoint.SocketPath!)
        : $"tcp:{endpoint.Host!.ToLowerInvariant()}:{endpoint.Port}";

    private async Task<ProbeOutcome?> ProbeOneAsync(EndpointCandidate candidate, bool foreign, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        var endpoint = candidate.Endpoint!;
        if (endpoint.Kind == DockerEndpointKind.Unix && !_fileSystem.Exists(endpoint.SocketPath!))
        {
            return ProbeOutcome.Failed($"no socket at {endpoint.SocketPath}");
        }
        try
        {
            // The other engine's socket is probed only in case our engine listens there. When a
            // ping already says it is the other engine, its provider reports it; negotiating here
            // too would cost Podman's slow /version on every run. A daemon that does not answer
            // the ping at all (hung, refused) would not answer /version either.
            if (foreign && await PingSaysOtherAsync(endpoint, settings, cancellationToken).ConfigureAwait(false))
            {
                return ProbeOutcome.Failed("answers as the other engine (/_ping)");
            }
            var client = await DockerClient.ConnectAsync(endpoint, settings.CallTimeout, _clock, cancellationToken).ConfigureAwait(false);
            var engine = client.ServerVersion.IsPodman ? DockerEngineKind.Podman : DockerEngineKind.Docker;
            return new ProbeOutcome(new DockerRuntime(client, candidate.Source), engine, null);
        }
        catch (DockerException ex)
        {
            return ProbeOutcome.Failed($"{ex.Call}: {ex.Detail}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // TLS files that do not load, and the like: a reason, never a crash of discovery.
            return ProbeOutcome.Failed($"cannot connect to {endpoint}: {ex.Message}");
        }
    }

    private async Task<bool> PingSaysOtherAsync(DockerEndpoint endpoint, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        try
        {
            bool podman = await DockerClient.IsPodmanAsync(endpoint, settings.CallTimeout, _clock, cancellationToken).ConfigureAwait(false);
            return podman != (_engine == DockerEngineKind.Podman);
        }
        catch (DockerApiException)
        {
            return false; // an HTTP answer, but no ping: /version decides
        }
    }

    internal sealed record PlannedProbe(EndpointCandidate Candidate, bool Foreign, bool Probe, EndpointCandidate? DuplicateOf);

    private sealed record ProbeOutcome(DockerRuntime? Runtime, DockerEngineKind Engine, string? Reason)
    {
        public static ProbeOutcome Failed(string reason) => new(null, default, reason);
    }
}
