using System.Runtime.ExceptionServices;
using System.Text.Json;
using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Filesystem;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Runtime;

/// <summary>
/// A Docker-compatible daemon as a runtime: Docker Engine ("docker") or Podman's compat service
/// ("podman"), on one endpoint. Lists containers and collects their evidence through
/// <see cref="DockerClient"/>.
/// </summary>
public sealed class DockerRuntime : IContainerRuntime, IContainerEventSource
{
    private readonly DockerClient _client;
    private readonly DockerStatsSampler _stats;
    private readonly ContainerInspects _inspects;
    private readonly HostPathAccess _hostPaths;
    private SemaphoreSlim? _changesSlots;

    /// <param name="locality">Where the daemon runs; by default decided from the endpoint (<see cref="EndpointLocality"/>).</param>
    public DockerRuntime(DockerClient client, string? endpointSource = null, RuntimeLocality? locality = null)
    {
        _client = client;
        _stats = new DockerStatsSampler(client);
        _inspects = new ContainerInspects(client);
        var v = client.ServerVersion;
        var details = new Dictionary<string, string>(StringComparer.Ordinal);
        Add(details, "engine", v.IsPodman ? "Podman Engine" : "Docker Engine");
        Add(details, "server_api_version", v.ApiVersion?.ToString());
        Add(details, "min_api_version", v.MinApiVersion?.ToString());
        Add(details, "libpod_api_version", v.LibpodApiVersion);
        Add(details, "os", v.Os);
        Add(details, "arch", v.Arch);
        Add(details, "kernel_version", v.KernelVersion);
        Add(details, "git_commit", v.GitCommit);
        Add(details, "platform", v.PlatformName);
        Add(details, "endpoint_source", endpointSource);
        if (client.Endpoint.Tls is { } tls)
        {
            Add(details, "tls_verify", tls.Verify ? "true" : "false");
        }
        Descriptor = new RuntimeDescriptor(v.RuntimeName, client.Endpoint.ToString(), v.Version, client.ApiVersion?.ToString())
        {
            Details = details,
            Locality = locality ?? EndpointLocality.Of(client.Endpoint),
        };
        _hostPaths = HostPathAccess.For(Descriptor.Locality);
    }

    public RuntimeDescriptor Descriptor { get; }

    public DockerClient Client => _client;

    private string Runtime => Descriptor.Name;

    public async IAsyncEnumerable<ContainerEvent> WatchAsync(DateTimeOffset? since, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var stream = await _client.System.FollowContainerEventsAsync(since, cancellationToken).ConfigureAwait(false);
        await foreach (var e in DockerEventReader.ReadAsync(stream, Runtime, Descriptor.Endpoint, "GET /events", cancellationToken).ConfigureAwait(false))
        {
            yield return e;
        }
    }

    /// <summary>Docker keeps its last 256 events in memory and Podman its event log: <c>since</c> replays them.</summary>
    public bool ReplaysSince => true;

    /// <summary>
    /// What a container event says of its container: Docker (daemon/events.go,
    /// <c>LogContainerEventWithAttributes</c>) and Podman put the container's labels into the
    /// attributes, beside keys of their own, which are not labels: the name and image, Docker's
    /// exitCode, signal, execID and execDuration, Podman's containerExitCode, podId and
    /// health_status. A label with one of those keys is lost to selection here (the daemon
    /// overwrote it in the event already).
    /// </summary>
    public ContainerInfo? Describe(ContainerEvent containerEvent)
    {
        ArgumentNullException.ThrowIfNull(containerEvent);
        var labels = containerEvent.Attributes.Where(a => !EventOwnAttributes.Contains(a.Key)).ToDictionary(a => a.Key, a => a.Value, StringComparer.Ordinal);
        return new ContainerInfo
        {
            Runtime = Runtime,
            Id = containerEvent.ContainerId,
            Name = containerEvent.Name,
            Image = containerEvent.Attributes.GetValueOrDefault("image"),
            State = "unknown",
            Labels = labels,
        };
    }

    private static readonly HashSet<string> EventOwnAttributes = new(StringComparer.Ordinal)
    {
        "name", "image", "exitCode", "signal", "execID", "execDuration", "containerExitCode", "podId", "health_status",
    };

    /// <summary>
    /// The container of an event from one inspect, described as the listing would (the name
    /// without its '/', the state in Docker's words, the image the container was created from,
    /// its labels); null on a 404. Podman's pod is left out: only its libpod listing names it.
    /// </summary>
    public async Task<ContainerInfo?> FindContainerAsync(ContainerEvent containerEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerEvent);
        ContainerInspect inspect;
        try
        {
            inspect = await _client.Containers.InspectAsync(containerEvent.ContainerId, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerNotFoundException)
        {
            return null;
        }
        var root = inspect.Raw.Root;
        var config = Json.Object(root, "Config");
        string state = DockerState(inspect.State);
        return new ContainerInfo
        {
            Runtime = Runtime,
            Id = inspect.Id ?? containerEvent.ContainerId,
            Name = inspect.Name?.TrimStart('/') ?? containerEvent.Name,
            Image = config is { } c ? Json.String(c, "Image") : null,
            State = state,
            Created = inspect.Created,
            Labels = config is { } l ? Json.StringMap(l, "Labels") : new Dictionary<string, string>(),
            Pid = state is "running" or "paused" ? inspect.Pid : null,
        };
    }

    public async Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken)
    {
        var listed = await _client.Containers.ListAsync(all: true, cancellationToken).ConfigureAwait(false);
        var extra = await PodmanExtrasAsync(cancellationToken).ConfigureAwait(false);
        return listed.Select(c =>
        {
            extra.TryGetValue(c.Id, out var x);
            return new ContainerInfo
            {
                Runtime = Runtime,
                Id = c.Id,
                Name = c.PrimaryName,
                Image = c.Image,
                State = DockerState(c.State),
                Created = c.Created,
                Labels = c.Labels,
                PodmanPod = x.PodName,
                // Docker's list has no pid; the volatile phase reads it from inspect when it needs it.
                Pid = x.Pid,
            };
        }).ToList();
    }

    /// <summary>
    /// The state in Docker's words. Podman 4.3's compat list passes two states of its own through:
    /// <c>stopped</c> (exited, before conmon's cleanup process has run; seen for a second or two
    /// after a container ends on a loaded machine) and <c>stopping</c> (its processes are still
    /// there). Its compat inspect already says <c>exited</c> and <c>running</c> for them; so does
    /// this, so that <c>--running</c> and the volatile phase treat them as Docker's would.
    /// </summary>
    private static string DockerState(string? state) => state switch
    {
        null or "" => "unknown",
        "stopped" => "exited",
        "stopping" => "running",
        _ => state,
    };

    /// <summary>
    /// Podman's compat list has no pod and no pid (checked on 4.3.1); its libpod list has both,
    /// so one more call fills them in. Best effort: the compat list alone is a complete listing.
    /// </summary>
    private async Task<Dictionary<string, (string? PodName, int? Pid)>> PodmanExtrasAsync(CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, (string?, int?)>(StringComparer.Ordinal);
        if (_client.Libpod is null)
        {
            return result;
        }
        DockerJson raw;
        try
        {
            raw = await _client.Libpod.ListContainersRawAsync(all: true, cancellationToken).ConfigureAwait(false);
        }
        catch (DockerException)
        {
            return result;
        }
        if (raw.Root.ValueKind != JsonValueKind.Array)
        {
            return result;
        }
        foreach (var e in raw.Root.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.Object && e.TryGetProperty("Id", out var id) && id.ValueKind == JsonValueKind.String)
            {
                string? pod = e.TryGetProperty("PodName", out var p) && p.ValueKind == JsonValueKind.String && p.GetString() is { Length: > 0 } s ? s : null;
                int? pid = e.TryGetProperty("Pid", out var pi) && pi.ValueKind == JsonValueKind.Number && pi.TryGetInt32(out int n) && n > 0 ? n : null;
                result[id.GetString()!] = (pod, pid);
            }
        }
        return result;
    }

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        new DockerEngineCollector(_client).CollectAsync(sink, options, cancellationToken);

    public async Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken)
    {
        var inspect = await DockerEvidence.AboutContainerAsync(container, () => _client.Containers.InspectAsync(container.Id, cancellationToken)).ConfigureAwait(false);
        return inspect.Pid;
    }

    /// <summary>The volatile phase starts the stats of all its running containers at once (see <see cref="DockerStatsSampler"/>).</summary>
    public void PhaseStarting(CollectionPhase phase, IReadOnlyList<ContainerInfo> containers, CancellationToken cancellationToken)
    {
        if (phase == CollectionPhase.Volatile)
        {
            _stats.Start(containers.Where(DockerStateCollector.IsSampled).Select(c => c.Id), DockerStateCollector.SupportsOneShot(_client), cancellationToken);
        }
    }

    /// <summary>Each phase has its own collector (one file each); this only dispatches.</summary>
    public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) => phase switch
    {
        CollectionPhase.Volatile => new DockerStateCollector(_client, _stats).CollectAsync(container, sink, options, cancellationToken),
        CollectionPhase.Metadata => new DockerMetadataCollector(_client).CollectAsync(container, sink, options, cancellationToken),
        CollectionPhase.Logs => LogsThenChangesAsync(container, sink, options, cancellationToken),
        CollectionPhase.Filesystem => new DockerFilesystemCollector(_client, _hostPaths, _inspects).CollectAsync(container, sink, options, cancellationToken),
        _ => Task.CompletedTask,
    };

    /// <summary>
    /// The logs, then the diff of the writable layer, started in the background after them (see
    /// <see cref="DockerChangesCollector"/>), also when the logs failed; not when the container is gone.
    /// </summary>
    private async Task LogsThenChangesAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        ExceptionDispatchInfo? logsFailed = null;
        try
        {
            await new DockerLogCollector(_client, _inspects, _hostPaths).CollectAsync(container, sink, options, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (!Failures.IsFatal(ex))
        {
            logsFailed = ExceptionDispatchInfo.Capture(ex);
        }
        await new DockerChangesCollector(_client, ChangesSlots(options), _inspects).DeferAsync(container, sink, cancellationToken).ConfigureAwait(false);
        logsFailed?.Throw();
    }

    /// <summary>The deferred diffs of the writable layers run at most <see cref="CollectionOptions.Parallelism"/> at once, like the phases' containers.</summary>
    private SemaphoreSlim ChangesSlots(CollectionOptions options)
    {
        int slots = Math.Max(1, options.Parallelism);
        return LazyInitializer.EnsureInitialized(ref _changesSlots, () => new SemaphoreSlim(slots, slots));
    }

    private static void Add(Dictionary<string, string> details, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            details[key] = value;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
