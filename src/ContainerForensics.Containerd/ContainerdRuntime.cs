using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Client;
using ContainerForensics.Containerd.Cri;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd;

/// <summary>
/// One containerd daemon, through its gRPC API. Containers live in namespaces (default, k8s.io
/// for Kubernetes, moby for Docker's containers when dockerd uses this containerd); every
/// namespace is listed unless <see cref="ContainerdOptions.Namespace"/> names one.
/// Docker's containers in "moby" are kept here; the Docker collector sees them too.
/// </summary>
public sealed class ContainerdRuntime : IContainerRuntime, IContainerEventSource
{
    /// <summary>The type URL containerd gives the OCI runtime spec; its value is the spec's JSON.</summary>
    public const string OciSpecTypeUrl = "types.containerd.io/opencontainers/runtime-spec/1/Spec";

    private readonly ContainerdClient _client;
    private readonly RuntimeSettings _settings;
    private readonly CriEvidenceCollector _cri;

    private ContainerdRuntime(ContainerdClient client, RuntimeDescriptor descriptor, RuntimeSettings settings)
    {
        _client = client;
        Descriptor = descriptor;
        _settings = settings;
        _cri = new CriEvidenceCollector(new CriClient(client.Channel), method => Describe(method, null), descriptor.Locality);
    }

    public RuntimeDescriptor Descriptor { get; }

    /// <summary>
    /// Connects to the socket and asks for the version, within <see cref="RuntimeSettings.CallTimeout"/>.
    /// Throws <see cref="GrpcCallException"/> or <see cref="GrpcTimeoutException"/> when it does not answer.
    /// </summary>
    public static Task<ContainerdRuntime> ConnectAsync(string socketPath, RuntimeSettings settings, CancellationToken cancellationToken) =>
        ConnectAsync(new ContainerdChannel(socketPath, settings.CallTimeout), settings, new Dictionary<string, string>(), cancellationToken);

    /// <summary>Takes ownership of the channel: disposes it when the version call fails, else with the runtime.</summary>
    internal static async Task<ContainerdRuntime> ConnectAsync(ContainerdChannel channel, RuntimeSettings settings, IReadOnlyDictionary<string, string> details, CancellationToken cancellationToken)
    {
        var client = new ContainerdClient(channel);
        try
        {
            var version = await client.Version.GetAsync(cancellationToken).ConfigureAwait(false);
            var all = new Dictionary<string, string>(details, StringComparer.Ordinal) { ["revision"] = version.Revision };
            if (settings.Option(ContainerdOptions.Namespace) is { } ns)
            {
                all["namespace"] = ns;
            }
            // Who listens on the socket decides where the daemon runs: a socket under /proc/<pid>/root
            // of a kind node is a containerd whose pids are that node's (LocalityProbe).
            var descriptor = new RuntimeDescriptor(ContainerdRuntimeProvider.RuntimeName, channel.Endpoint, version.Version, null)
            {
                Details = all,
                Locality = LocalityProbe.OfUnixSocket(channel.SocketPath, location: channel.Endpoint),
            };
            return new ContainerdRuntime(client, descriptor, settings);
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>
    /// containerd's task and container events (Events.Subscribe), from every namespace or only
    /// <see cref="ContainerdOptions.Namespace"/>, mapped by <see cref="ContainerdEventMapper"/>.
    /// <paramref name="since"/> cannot be honoured: containerd keeps no event history and Subscribe
    /// has no replay, so only events published after the subscription starts are seen, and a
    /// reconnect loses what happened while it was away (watch mode's listing covers what exists).
    /// The stream has no deadline; it ends when the caller cancels
    /// (<see cref="OperationCanceledException"/>), cleanly when the daemon ends it, or with
    /// <see cref="GrpcCallException"/> when the connection breaks.
    /// </summary>
    public async IAsyncEnumerable<ContainerEvent> WatchAsync(DateTimeOffset? since,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var envelope in _client.Events.SubscribeAsync(EventFilters(_settings.Option(ContainerdOptions.Namespace)), cancellationToken)
            .ConfigureAwait(false))
        {
            if (ContainerdEventMapper.ToContainerEvent(envelope) is { } e)
            {
                yield return e;
            }
        }
    }

    /// <summary>Subscribe has no history: what happens while no one is subscribed is not delivered to anyone.</summary>
    public bool ReplaysSince => false;

    /// <summary>An envelope names the container by id only: its labels (and whether Docker manages it) need Containers.Get.</summary>
    public ContainerInfo? Describe(ContainerEvent containerEvent) => null;

    /// <summary>
    /// The container of an event, in the namespace the event names: Containers.Get and its task
    /// (Tasks.Get; none is a container that is not running). Null when containerd no longer has it.
    /// </summary>
    public async Task<ContainerInfo?> FindContainerAsync(ContainerEvent containerEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerEvent);
        string? ns = containerEvent.Attributes.GetValueOrDefault("namespace") ?? _settings.Option(ContainerdOptions.Namespace);
        if (ns is null)
        {
            return null;
        }
        Container container;
        try
        {
            container = (await _client.Containers.GetAsync(ns, containerEvent.ContainerId, cancellationToken).ConfigureAwait(false)).Container;
        }
        catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
        Process? task = null;
        try
        {
            task = (await _client.Tasks.GetAsync(ns, containerEvent.ContainerId, cancellationToken).ConfigureAwait(false)).Process;
        }
        catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            // no task: created, or its task was deleted
        }
        return ContainerdContainerMapper.ToContainerInfo(container, task, ns);
    }

    /// <summary>
    /// containerd's filters (github.com/containerd/containerd/filters): the list is OR-ed, the
    /// clauses of one filter AND-ed, <c>~=</c> a regular expression, values quoted Go-style.
    /// </summary>
    internal static IEnumerable<string> EventFilters(string? ns)
    {
        string scope = ns is null ? "" : $"namespace==\"{ns.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\",";
        return [scope + "topic~=\"^/tasks/\"", scope + "topic~=\"^/containers/\""];
    }

    public async Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken)
    {
        var result = new List<ContainerInfo>();
        foreach (string ns in await NamespacesAsync(cancellationToken).ConfigureAwait(false))
        {
            // Containers first: a task whose container is not listed yet is ignored, never invented.
            var containers = await _client.Containers.ListAsync(ns, null, cancellationToken).ConfigureAwait(false);
            var tasks = await _client.Tasks.ListAsync(ns, cancellationToken).ConfigureAwait(false);
            var byContainer = new Dictionary<string, Process>(StringComparer.Ordinal);
            foreach (var task in tasks.Tasks)
            {
                byContainer[string.IsNullOrEmpty(task.ContainerId) ? task.Id : task.ContainerId] = task;
            }
            foreach (var container in containers.Containers)
            {
                result.Add(ContainerdContainerMapper.ToContainerInfo(container, byContainer.GetValueOrDefault(container.Id), ns));
            }
        }
        return result;
    }

    public async Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        await AddJsonAsync(sink, "version.json", ContainerdMethods.Version, null,
            async ct => ContainerdJson.Format(await _client.Version.GetAsync(ct).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
        await AddJsonAsync(sink, "namespaces.json", ContainerdMethods.ListNamespaces, null,
            async ct => ContainerdJson.Format(await _client.Namespaces.ListAsync(ct).ConfigureAwait(false)), cancellationToken).ConfigureAwait(false);
        await new ContainerdEngineCollector(_client, this).CollectAsync(sink, cancellationToken).ConfigureAwait(false);
        await _cri.CollectEngineAsync(sink, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The task's pid while it runs (or is paused), in containerd's pid namespace: Tasks.Get now, not the listing's.</summary>
    public async Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken)
    {
        string ns = NamespaceOf(container);
        try
        {
            var task = (await _client.Tasks.GetAsync(ns, container.Id, cancellationToken).ConfigureAwait(false)).Process;
            string state = ContainerdContainerMapper.StateOf(task.Status);
            return task.Pid != 0 && state is "running" or "paused" ? checked((int)task.Pid) : null;
        }
        catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            return null; // no task: created, or stopped and cleaned up
        }
    }

    /// <summary>
    /// Metadata: container.json (Containers.Get), spec.json (the OCI spec, byte-exact as
    /// containerd stores it) and task.json (Tasks.Get) when the container has a task; a container
    /// without a task gets no task.json (its state "created" already says so). A Kubernetes pod's
    /// members add their CRI status, and the Logs phase their CRI log files (<see cref="CriEvidenceCollector"/>).
    /// Filesystem: the snapshot, see <see cref="ContainerdFilesystemCollector"/>.
    /// </summary>
    public async Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        if (phase == CollectionPhase.Logs)
        {
            await _cri.CollectLogsAsync(container, sink, options, cancellationToken).ConfigureAwait(false);
            return;
        }
        string ns = NamespaceOf(container);
        if (phase == CollectionPhase.Filesystem)
        {
            await new ContainerdFilesystemCollector(_client, this).CollectAsync(container, ns, sink, options, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (phase != CollectionPhase.Metadata)
        {
            return;
        }

        var got = await GetContainerAsync(container, ns, cancellationToken).ConfigureAwait(false);
        string getDescription = Describe(ContainerdMethods.GetContainer, ns);
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "container.json", ContainerdJson.Format(got), getDescription), cancellationToken).ConfigureAwait(false);

        await sink.AddAsync(SpecItem(got.Container, getDescription), cancellationToken).ConfigureAwait(false);

        await AddJsonAsync(sink, "task.json", ContainerdMethods.GetTask, ns, async ct =>
        {
            try
            {
                return ContainerdJson.Format(await _client.Tasks.GetAsync(ns, container.Id, ct).ConfigureAwait(false));
            }
            catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.NotFound)
            {
                return null; // no task: never started, or its task was deleted
            }
        }, cancellationToken).ConfigureAwait(false);
        await _cri.CollectMetadataAsync(container, sink, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Containers.Get now; a container containerd no longer has is one that vanished.</summary>
    internal async Task<GetContainerResponse> GetContainerAsync(ContainerInfo container, string ns, CancellationToken cancellationToken)
    {
        try
        {
            return await _client.Containers.GetAsync(ns, container.Id, cancellationToken).ConfigureAwait(false);
        }
        catch (GrpcCallException ex) when (ex.StatusCode == StatusCode.NotFound)
        {
            throw new ContainerGoneException(container.Id, $"containerd has no container {container.Id} in namespace {ns} any more", ex);
        }
    }

    private string NamespaceOf(ContainerInfo container) =>
        container.RuntimeNamespace ?? _settings.Option(ContainerdOptions.Namespace)
            ?? throw new ArgumentException($"containerd container {container.Id} has no namespace", nameof(container));

    /// <summary>
    /// The OCI spec as containerd stores it: the <c>Any</c>'s value is the spec's JSON, kept
    /// byte for byte (not re-serialized), whatever its type URL says.
    /// </summary>
    private static EvidenceItem SpecItem(Container? container, string getDescription)
    {
        if (container?.Spec is not { } spec)
        {
            return new EvidenceItem
            {
                Section = EvidenceSection.Metadata,
                Name = "spec.json",
                Status = EntryStatus.Missing,
                Reason = "the container record has no spec",
                Source = new EvidenceSource { Description = getDescription },
            };
        }
        return EvidenceItem.Json(EvidenceSection.Metadata, "spec.json", spec.Value.Memory,
            $"{getDescription}: container.spec value bytes, type {spec.TypeUrl}");
    }

    /// <summary>
    /// One JSON item from one call, inside its own failure boundary: a failed call becomes a
    /// failed entry with the daemon's words, and the next item is still collected. A null
    /// document means "nothing to record".
    /// </summary>
    internal async Task AddJsonAsync(IEvidenceSink sink, string name, string method, string? ns,
        Func<CancellationToken, Task<byte[]?>> produce, CancellationToken cancellationToken)
    {
        string description = Describe(method, ns);
        byte[]? json;
        try
        {
            json = await produce(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is GrpcCallException or GrpcTimeoutException)
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Metadata,
                Name = name,
                Status = EntryStatus.Failed,
                Reason = ex.Message,
                Source = new EvidenceSource { Description = description },
            }, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (json is not null)
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, name, json, description), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What was read, for the manifest: the RPC, the daemon, the namespace.</summary>
    internal string Describe(string method, string? ns) =>
        ns is null ? $"containerd {Descriptor.Endpoint} {method}" : $"containerd {Descriptor.Endpoint} {method} (namespace {ns})";

    internal async Task<IReadOnlyList<string>> NamespacesAsync(CancellationToken cancellationToken)
    {
        if (_settings.Option(ContainerdOptions.Namespace) is { } only)
        {
            return [only];
        }
        var list = await _client.Namespaces.ListAsync(cancellationToken).ConfigureAwait(false);
        return [.. list.Namespaces.Select(n => n.Name).Order(StringComparer.Ordinal)];
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }
}
