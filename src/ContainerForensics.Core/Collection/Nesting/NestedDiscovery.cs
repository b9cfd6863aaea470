using System.Collections.Concurrent;
using System.Globalization;
using ContainerForensics.Core.Host.Processes;
using ContainerForensics.Core.Runtimes;
using Serilog;

namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>
/// Discovery's descent (docs/architecture.md, "Nested runtimes"): looks inside every running
/// container of the runtimes found for the sockets of runtimes nested there (a kind node's
/// containerd, Docker-in-Docker), and again inside theirs, down to <c>--nested-depth</c>. Level by
/// level:
/// <list type="number">
/// <item>each runtime whose containers' processes are this kernel's lists its containers (once:
/// a listing the run already made is taken, <see cref="RuntimeListing"/>), and each running one's
/// init pid, as the listing gives it (containerd's tasks, Podman's libpod list) or else asked of
/// the runtime (Docker's inspect: all of one runtime's side by side, bounded, under one budget
/// of <c>--timeout</c> for them all), is translated to a host pid (<see cref="HostPidTranslator"/>);
/// a runtime whose pids cannot be, and a container whose pid cannot be, is recorded with why
/// and not looked into;</item>
/// <item>one container listed by two runtimes (dockerd's on containerd's "moby" namespace: the
/// same init process) is looked into once, from the runtime that manages it;</item>
/// <item>inside <c>/proc/&lt;host pid&gt;/root</c> every provider's <see cref="IRuntimeProvider.NestedSockets"/>
/// are resolved safely (<see cref="NestedRoot"/>), two paths to one socket probed once, and each
/// provider connects its own (<see cref="IRuntimeProvider.ProbeNestedAsync"/>), all side by side,
/// so a socket that hangs costs its budget once;</item>
/// <item>what answered is kept only as a daemon nested in that container: its peer (the socket's
/// listener, <see cref="LocalityProbe"/>) in the container's pid namespace or below it. The host's
/// own daemon with its socket mounted into a container, or a daemon of another container whose
/// socket is shared, is recorded and not added; one daemon reached from two containers is
/// added once. Before it is kept, the container's init is asked again and must still be the
/// process whose root was looked into, so nothing is attributed to a process by number alone.</item>
/// </list>
/// Every step is recorded (<see cref="RuntimeDescent"/>); nothing here throws but cancellation.
/// </summary>
internal sealed class NestedDiscovery
{
    /// <summary>Containers looked at once: most of it is waiting for a daemon's answer.</summary>
    private const int MaxConcurrent = 32;

    private readonly IReadOnlyList<IRuntimeProvider> _providers;
    private readonly RuntimeSettings _settings;
    private readonly int _maxDepth;
    private readonly string _procRoot;
    private readonly ILogger _log;
    private readonly HostPidTranslator _translator;
    private readonly PidNamespaceTree _tree;
    private readonly ConcurrentDictionary<IContainerRuntime, RuntimeListing> _listings = new();

    public NestedDiscovery(IReadOnlyList<IRuntimeProvider> providers, RuntimeSettings settings, int maxDepth, string procRoot, ILogger log)
    {
        _providers = [.. providers.Where(p => p.NestedSockets.Count > 0)];
        _settings = settings;
        _maxDepth = maxDepth;
        _procRoot = procRoot.TrimEnd('/');
        _log = log;
        _translator = new HostPidTranslator(_procRoot);
        _tree = new PidNamespaceTree(_procRoot);
    }

    /// <summary>
    /// Every listing made or taken, by runtime (the run lists a runtime once: what the descent
    /// listed is not asked again, and a listing that failed is not retried).
    /// </summary>
    public IReadOnlyDictionary<IContainerRuntime, RuntimeListing> Listings => _listings;

    /// <summary>The nested runtimes found below <paramref name="hostRuntimes"/> (as probes: those that answered and some that did not), and every descent's record.</summary>
    /// <param name="listed">Listings the run already made (of <paramref name="hostRuntimes"/>): taken instead of listing again.</param>
    public async Task<(IReadOnlyList<RuntimeProbe> Probes, IReadOnlyList<RuntimeDescent> Descents)> DescendAsync(IReadOnlyList<IContainerRuntime> hostRuntimes,
        IReadOnlyDictionary<IContainerRuntime, RuntimeListing>? listed, CancellationToken cancellationToken)
    {
        foreach (var (runtime, listing) in listed ?? new Dictionary<IContainerRuntime, RuntimeListing>())
        {
            _listings[runtime] = listing;
        }
        var probes = new List<RuntimeProbe>();
        var descents = new List<RuntimeDescent>();
        // Daemons already taken, by host pid: the host's own, then each nested one once.
        var daemons = new Dictionary<int, string>();
        foreach (var r in hostRuntimes)
        {
            if (r.Descriptor.Locality.DaemonPid is { } pid)
            {
                daemons.TryAdd(pid, r.Descriptor.ToString());
            }
        }
        IReadOnlyList<IContainerRuntime> level = hostRuntimes;
        for (int depth = 1; level.Count > 0; depth++)
        {
            if (depth > _maxDepth)
            {
                string why = _maxDepth == 0
                    ? "nested runtimes not looked for (--no-nested or --nested-depth 0)"
                    : $"not looked inside: --nested-depth {_maxDepth.ToString(CultureInfo.InvariantCulture)} reached";
                descents.AddRange(level.Select(r => Descent(r, depth) with { NotDescended = why, DepthLimit = true }));
                break;
            }
            try
            {
                var (levelDescents, levelProbes) = await LookInsideAsync(level, depth, daemons, cancellationToken).ConfigureAwait(false);
                descents.AddRange(levelDescents);
                probes.AddRange(levelProbes);
            }
            catch (OperationCanceledException)
            {
                // Interrupted deeper down: the runtimes found above are nobody's yet.
                foreach (var p in probes.Where(p => p.Runtime is not null))
                {
                    await p.Runtime!.DisposeAsync().ConfigureAwait(false);
                }
                throw;
            }
            level = [.. probes.Where(p => p.Runtime?.Descriptor.Nesting?.Depth == depth).Select(p => p.Runtime!)];
        }
        return (probes, descents);
    }

    private static RuntimeDescent Descent(IContainerRuntime runtime, int depth) => new()
    {
        Runtime = runtime.Descriptor.Name,
        Endpoint = runtime.Descriptor.Endpoint,
        Nesting = runtime.Descriptor.Nesting,
        Depth = depth,
    };

    private async Task<(List<RuntimeDescent>, List<RuntimeProbe>)> LookInsideAsync(IReadOnlyList<IContainerRuntime> level, int depth, Dictionary<int, string> daemons, CancellationToken cancellationToken)
    {
        using var gate = new SemaphoreSlim(MaxConcurrent);

        // 1. Each runtime's containers and their host pids.
        var listed = await Task.WhenAll(level.Select(r => ListAsync(r, depth, gate, cancellationToken))).ConfigureAwait(false);

        // 2. One container, one look: the same init process listed by two runtimes is looked into from the one that manages it.
        var chosen = new Dictionary<int, Candidate>();
        foreach (var c in listed.SelectMany(l => l.Candidates).Where(c => c.HostPid is not null).OrderBy(c => c.Container.ManagedBy is null ? 0 : 1))
        {
            if (!chosen.TryAdd(c.HostPid!.Value, c))
            {
                var first = chosen[c.HostPid.Value];
                c.NotDescended = $"the same container as {first.Container.Runtime}/{Name(first.Container)} (init host pid {c.HostPid.Value.ToString(CultureInfo.InvariantCulture)}): looked into once, from there";
                c.Elsewhere = true;
            }
        }

        // 3. Inside each chosen container, side by side.
        var all = listed.SelectMany(l => l.Candidates).ToList();
        var probes = new List<RuntimeProbe>();
        try
        {
            await Task.WhenAll(chosen.Values.Select(c => LookAsync(c, gate, cancellationToken))).ConfigureAwait(false);

            // 4. In listing order: keep each daemon once, and only while the container's init is the process looked into.
            foreach (var c in all)
            {
                await SettleAsync(c, daemons, probes, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
            // Interrupted: close what was opened or connected and not yet handed on.
            foreach (var c in all)
            {
                await ReleaseAsync(c).ConfigureAwait(false);
            }
            foreach (var p in probes.Where(p => p.Runtime is not null))
            {
                await p.Runtime!.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
        var descents = listed.Select(l => l.Descent with
        {
            Containers = [.. l.Candidates.Select(c => new ContainerDescent
            {
                Container = c.Container,
                RuntimePid = c.RuntimePid,
                HostPid = c.HostPid,
                PidTranslation = c.Translation,
                NotDescended = c.NotDescended,
                LookedIntoElsewhere = c.Elsewhere,
                Sockets = [.. c.Sockets.Select(s => s.Look)],
            })],
        }).ToList();
        return (descents, probes);
    }

    private async Task<Listing> ListAsync(IContainerRuntime runtime, int depth, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        var descent = Descent(runtime, depth);
        var locality = runtime.Descriptor.Locality;
        if (!locality.HasLiveProcesses)
        {
            return new Listing(descent with { NotDescended = $"its containers' processes are not this host's: {runtime.Descriptor} is {locality.Describe()} ({locality.Why})" }, []);
        }
        if (!_listings.TryGetValue(runtime, out var listing))
        {
            listing = await RuntimeListing.OfAsync(runtime, cancellationToken).ConfigureAwait(false);
            _listings[runtime] = listing;
        }
        if (listing.Containers is not { } containers)
        {
            // Not asked again, nor are its containers' pids: a daemon that timed out costs its budget once.
            return new Listing(descent with { NotDescended = $"its containers could not be listed: {listing.Failure!.SourceException.Message}" }, []);
        }
        var candidates = containers.Select(c => new Candidate(runtime, c)).ToList();
        // One budget for all the pids this runtime is asked for: a daemon that hangs on them costs --timeout once, not once per container.
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(_settings.CallTimeout);
        await Task.WhenAll(candidates.Select(c => InitPidAsync(c, gate, budget.Token, cancellationToken))).ConfigureAwait(false);
        return new Listing(descent, candidates);
    }

    private async Task InitPidAsync(Candidate c, SemaphoreSlim gate, CancellationToken budget, CancellationToken cancellationToken)
    {
        if (c.Container.State != "running")
        {
            c.NotDescended = c.Container.State == "paused"
                ? "paused: its processes are frozen, a daemon inside could not answer"
                : $"not running ({c.Container.State})";
            return;
        }
        if (c.Container.Pid is > 0 and var listed)
        {
            // The listing's word (containerd's task list, Podman's libpod list): no call per container.
            // SettleAsync asks again before anything found inside is kept.
            Translate(c, listed);
            return;
        }
        try
        {
            await gate.WaitAsync(budget).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            c.NotDescended = BudgetSpent(c);
            return;
        }
        try
        {
            var (pid, problem) = await AskInitPidAsync(c, budget, cancellationToken).ConfigureAwait(false);
            if (pid is { } asked)
            {
                Translate(c, asked);
            }
            else
            {
                c.NotDescended = problem;
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private void Translate(Candidate c, int runtimePid)
    {
        var translation = _translator.Translate(c.Runtime.Descriptor.Locality, runtimePid);
        c.RuntimePid = runtimePid;
        c.HostPid = translation.HostPid;
        c.Translation = translation.How;
        c.NotDescended = translation.HostPid is null ? translation.How : null;
    }

    private string BudgetSpent(Candidate c) =>
        $"its runtime did not say which process is its init within --timeout ({_settings.CallTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s, one budget for all of {c.Runtime.Descriptor}'s containers)";

    /// <summary>The container's init as its runtime reports it now; or why there is none.</summary>
    /// <param name="budget">Cancelled when the budget of the runtime's pid lookups is spent, or with <paramref name="cancellationToken"/>.</param>
    private async Task<(int? Pid, string? Problem)> AskInitPidAsync(Candidate c, CancellationToken budget, CancellationToken cancellationToken)
    {
        int? pid;
        try
        {
            pid = await c.Runtime.GetInitPidAsync(c.Container, budget).ConfigureAwait(false);
        }
        catch (ContainerGoneException)
        {
            return (null, "it vanished before its init was known");
        }
        catch (OperationCanceledException) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return (null, BudgetSpent(c));
        }
        catch (Exception ex) when (!Cancelled(ex, cancellationToken))
        {
            return (null, $"its runtime did not say which process is its init: {ex.Message}");
        }
        return pid is > 0 ? (pid, null) : (null, "it has no init process (not running)");
    }

    /// <summary>The container's init now, as its runtime reports it and as the host process it is; or why there is none.</summary>
    private async Task<(int? RuntimePid, PidTranslation? Translation, string? Problem)> HostPidAsync(Candidate c, CancellationToken cancellationToken)
    {
        var (pid, problem) = await AskInitPidAsync(c, cancellationToken, cancellationToken).ConfigureAwait(false);
        if (pid is null)
        {
            return (null, null, problem);
        }
        var translation = _translator.Translate(c.Runtime.Descriptor.Locality, pid.Value);
        return (pid, translation, translation.HostPid is null ? translation.How : null);
    }

    private async Task LookAsync(Candidate c, SemaphoreSlim gate, CancellationToken cancellationToken)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            c.Root = NestedRoot.Open(_procRoot, c.HostPid!.Value, out string? problem);
            if (c.Root is null)
            {
                c.NotDescended = $"its root could not be opened: {problem}";
                return;
            }
            c.Link = new NestingLink { HostContainer = c.Container, HostPid = c.HostPid.Value, HostEndpoint = c.Runtime.Descriptor.Endpoint };
            var opened = new List<(IRuntimeProvider Provider, NestedSocket Socket, int Index)>();
            foreach (var provider in _providers)
            {
                foreach (string path in provider.NestedSockets)
                {
                    var look = new SocketLook { LookedForBy = provider.Name, Path = path, Endpoint = $"{_procRoot}/{c.HostPid.Value.ToString(CultureInfo.InvariantCulture)}/root{path}" };
                    var socket = c.Root.OpenSocket(c.Link, path, out string reason);
                    if (socket is null)
                    {
                        c.Sockets.Add(new Looked(look with { Reason = reason }));
                        continue;
                    }
                    if (opened.FirstOrDefault(o => o.Socket.Device == socket.Device && o.Socket.Inode == socket.Inode) is { Socket: not null } same)
                    {
                        socket.Dispose();
                        c.Sockets.Add(new Looked(look with { Found = true, Reason = $"the same socket as {same.Socket.Path} ({same.Provider.Name}), probed once" }));
                        continue;
                    }
                    // Held by its record from now on, so that whatever happens next it is closed once.
                    c.Sockets.Add(new Looked(look with { Found = true, Reason = reason.Length > 0 ? reason : null }) { Socket = socket });
                    opened.Add((provider, socket, c.Sockets.Count - 1));
                }
            }
            var answers = await Task.WhenAll(opened.Select(o => ProbeAsync(o.Provider, o.Socket, cancellationToken))).ConfigureAwait(false);
            for (int i = 0; i < opened.Count; i++)
            {
                c.Sockets[opened[i].Index].Probe = answers[i];
            }
        }
        finally
        {
            gate.Release();
        }
    }

    private async Task<RuntimeProbe> ProbeAsync(IRuntimeProvider provider, NestedSocket socket, CancellationToken cancellationToken)
    {
        try
        {
            return await provider.ProbeNestedAsync(socket, _settings, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Cancelled(ex, cancellationToken))
        {
            return RuntimeProbe.NotFound(provider.Name, socket.Endpoint, $"probe failed: {ex.Message}");
        }
    }

    /// <summary>Decides, in listing order, what each socket that was probed becomes: a nested runtime, a record, or both.</summary>
    private async Task SettleAsync(Candidate c, Dictionary<int, string> daemons, List<RuntimeProbe> probes, CancellationToken cancellationToken)
    {
        try
        {
            var answered = c.Sockets.Where(s => s.Probe is not null).ToList();
            var keep = new List<Looked>();
            foreach (var s in answered)
            {
                var probe = s.Probe!;
                if (probe.Runtime is not { } runtime)
                {
                    s.Look = s.Look with { Reason = Join(s.Look.Reason, probe.Reason) };
                    // A socket that is there and does not answer is worth a line in cfir list.
                    probes.Add(probe with { Nesting = c.Link });
                    continue;
                }
                var d = runtime.Descriptor;
                s.Look = s.Look with { Answered = true, AnsweredAs = d.Name, Version = d.Version, Locality = d.Locality.Kind.ToString().ToLowerInvariant() };
                string? refused = Refusal(c, d, daemons);
                if (refused is not null)
                {
                    s.Look = s.Look with { Reason = Join(s.Look.Reason, refused) };
                    continue;
                }
                daemons[d.Locality.DaemonPid!.Value] = $"{d.Name} in {c.Link!.Describe()}";
                keep.Add(s);
            }
            if (keep.Count == 0)
            {
                return;
            }
            // The init asked again, and the process looked into still running: it was that container's all along.
            var (_, again, problem) = await HostPidAsync(c, cancellationToken).ConfigureAwait(false);
            if (again?.HostPid != c.HostPid || !c.Root!.StillRuns())
            {
                string why = $"not added: the container's init changed while its root was looked into ({problem ?? $"now host pid {again?.HostPid?.ToString(CultureInfo.InvariantCulture)}"})";
                foreach (var s in keep)
                {
                    s.Look = s.Look with { Reason = Join(s.Look.Reason, why) };
                    daemons.Remove(s.Probe!.Runtime!.Descriptor.Locality.DaemonPid!.Value);
                }
                return;
            }
            foreach (var s in keep)
            {
                var nested = NestedRuntime.Wrap(s.Probe!.Runtime!, s.Socket!);
                s.Socket = null; // the runtime owns it now
                s.Probe = null;
                s.Look = s.Look with { Nested = true };
                probes.Add(RuntimeProbe.Found(nested) with { Nesting = c.Link });
                _log.Information("runtime {Runtime} nested in {Container}: version {Version}, at {Endpoint}", nested.Descriptor.Name, c.Link!.Describe(), nested.Descriptor.Version, nested.Descriptor.Endpoint);
            }
        }
        finally
        {
            await ReleaseAsync(c).ConfigureAwait(false);
            foreach (var s in c.Sockets.Where(s => s.Look.Found && !s.Look.Nested))
            {
                _log.Debug("{Path} in {Container}: {Reason}", s.Look.Path, Name(c.Container), s.Look.Reason);
            }
        }
    }

    /// <summary>Closes what a container's look still holds: runtimes not kept, their sockets, its root.</summary>
    private static async Task ReleaseAsync(Candidate c)
    {
        foreach (var s in c.Sockets)
        {
            if (s.Probe?.Runtime is { } notKept)
            {
                s.Probe = null;
                await notKept.DisposeAsync().ConfigureAwait(false);
            }
            s.Socket?.Dispose();
            s.Socket = null;
        }
        c.Root?.Dispose();
        c.Root = null;
    }

    /// <summary>Why a runtime that answered inside the container is not a runtime nested in it; null when it is.</summary>
    private string? Refusal(Candidate c, RuntimeDescriptor d, Dictionary<int, string> daemons)
    {
        var locality = d.Locality;
        string answer = $"answers as {d.Name} {d.Version}";
        if (locality.Kind == LocalityKind.ThisHost)
        {
            return $"{answer}, a daemon in cfir's own pid namespace (pid {locality.DaemonPid?.ToString(CultureInfo.InvariantCulture)}): the host's socket mounted into the container, not a runtime nested in it; not added";
        }
        if (locality.Kind != LocalityKind.Nested || locality.DaemonPid is not { } daemon)
        {
            return $"{answer}, but where it runs is not proven ({locality.Why}); not added";
        }
        var container = _tree.NamespaceOf(c.HostPid!.Value, out _);
        bool inside = container is not null && (container.Inode == locality.PidNamespace || _tree.IsBelow(daemon, container, _tree.Own()));
        if (!inside)
        {
            return $"{answer}, but its daemon (host pid {daemon.ToString(CultureInfo.InvariantCulture)}) is not in this container's pid namespace: a socket shared into it from elsewhere; not attributed to it";
        }
        if (daemons.TryGetValue(daemon, out string? already))
        {
            return $"{answer}: the same daemon (host pid {daemon.ToString(CultureInfo.InvariantCulture)}) as {already}, taken once";
        }
        return null;
    }

    private static string Join(string? first, string? second) =>
        string.IsNullOrEmpty(first) ? second ?? "" : string.IsNullOrEmpty(second) ? first : $"{first}; {second}";

    private static string Name(ContainerInfo c) => string.IsNullOrEmpty(c.Name) ? NestingLink.ShortId(c.Id) : c.Name.TrimStart('/');

    private static bool Cancelled(Exception ex, CancellationToken cancellationToken) =>
        ex is OperationCanceledException && cancellationToken.IsCancellationRequested;

    private sealed record Listing(RuntimeDescent Descent, List<Candidate> Candidates);

    /// <summary>One container being looked at; filled in step by step.</summary>
    private sealed class Candidate(IContainerRuntime runtime, ContainerInfo container)
    {
        public IContainerRuntime Runtime { get; } = runtime;

        public ContainerInfo Container { get; } = container;

        public int? RuntimePid { get; set; }

        public int? HostPid { get; set; }

        public string? Translation { get; set; }

        public string? NotDescended { get; set; }

        public bool Elsewhere { get; set; }

        public NestedRoot? Root { get; set; }

        public NestingLink? Link { get; set; }

        public List<Looked> Sockets { get; } = [];
    }

    /// <summary>One socket's record, the socket while it is not yet settled, and what answered on it.</summary>
    private sealed class Looked(SocketLook look)
    {
        public SocketLook Look { get; set; } = look;

        public NestedSocket? Socket { get; set; }

        public RuntimeProbe? Probe { get; set; }
    }
}
