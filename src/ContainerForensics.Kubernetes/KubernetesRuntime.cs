using System.Globalization;
using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Api;
using ContainerForensics.Kubernetes.Collection;
using ContainerForensics.Kubernetes.Connection;

namespace ContainerForensics.Kubernetes;

/// <summary>
/// One Kubernetes API server, reached with a kubeconfig or a service account. Its unit of
/// collection is a pod (<see cref="PodMembership.IsWholePod"/>): the Volatile phase takes every
/// selected pod's object and its containers' logs (a pod and its logs can vanish at any moment),
/// the engine evidence is the cluster's (version, nodes, namespaces, webhooks, cluster-admin
/// bindings, CRDs, who cfir is), and the Metadata phase a pod's context (events, owners, node,
/// service account and what grants it anything, the ConfigMaps and Secrets it references,
/// Services, volumes, NetworkPolicies). Its locality is remote: nothing it reports is a process
/// or path of this host.
/// </summary>
public sealed partial class KubernetesRuntime : IContainerRuntime
{
    public const string RuntimeName = "kubernetes";

    internal const string SelfSubjectReviewPath = "/apis/authentication.k8s.io/v1/selfsubjectreviews";

    private readonly RuntimeSettings _settings;
    private readonly SortedSet<string> _namespaces = new(StringComparer.Ordinal);

    private KubernetesRuntime(KubernetesApi api, KubernetesConnection connection, RuntimeDescriptor descriptor, RuntimeSettings settings, byte[] version)
    {
        Api = api;
        Connection = connection;
        Descriptor = descriptor;
        _settings = settings;
        VersionDocument = version;
        Evidence = new ApiEvidence(api, descriptor.Endpoint);
    }

    public RuntimeDescriptor Descriptor { get; }

    internal KubernetesApi Api { get; }

    internal KubernetesConnection Connection { get; }

    internal ApiEvidence Evidence { get; }

    /// <summary>What the contexts of many pods share (bindings, a namespace's Services and NetworkPolicies, Roles), read once per metadata phase (<see cref="PhaseStarting"/>).</summary>
    internal ClusterCache Cache => LazyInitializer.EnsureInitialized(ref _cache, () => new ClusterCache(Api));

    private ClusterCache? _cache;

    /// <summary>The server's /version answer at connection, kept as evidence.</summary>
    internal byte[] VersionDocument { get; }

    /// <summary>Who cfir is to the server, asked at connection (SelfSubjectReview).</summary>
    internal ServerIdentity Identity { get; private init; } = ServerIdentity.Unknown;

    /// <summary>The namespaces of the pods being collected, for the rules cfir had there (SelfSubjectRulesReview).</summary>
    internal IReadOnlyList<string> CollectedNamespaces
    {
        get
        {
            lock (_namespaces)
            {
                return [.. _namespaces];
            }
        }
    }

    /// <summary>
    /// Remembers the namespaces of the pods selected; returns at once. What pods share is read once
    /// per metadata phase: once in a collection of everything, once per pod in watch mode, which
    /// collects one pod at a time over hours (what they share changes meanwhile).
    /// </summary>
    public void PhaseStarting(CollectionPhase phase, IReadOnlyList<ContainerInfo> containers, CancellationToken cancellationToken)
    {
        if (phase == CollectionPhase.Metadata)
        {
            Volatile.Write(ref _cache, null);
        }
        lock (_namespaces)
        {
            foreach (var c in containers)
            {
                if (c.RuntimeNamespace is { } ns)
                {
                    _namespaces.Add(ns);
                }
            }
        }
    }

    /// <summary>The namespaces given with -n; empty: every namespace.</summary>
    internal IReadOnlyList<string> Namespaces => _settings.Values(KubernetesOptions.Namespace);

    internal bool SecretValues => _settings.IsSet(KubernetesOptions.SecretValues);

    /// <summary>
    /// Connects: GET /version within the call budget. Throws <see cref="ApiCallException"/>,
    /// <see cref="ApiTimeoutException"/> or <see cref="HttpRequestException"/> when the server does not answer.
    /// </summary>
    public static async Task<KubernetesRuntime> ConnectAsync(KubernetesConnection connection, RuntimeSettings settings, CancellationToken cancellationToken)
    {
        // The server's audit log names the tool that read it.
        connection.Config.UserAgent = "cfir (ContainerForensics evidence collector)";
        var api = new KubernetesApi(connection.Config, settings.CallTimeout);
        try
        {
            byte[] version = await api.GetBytesAsync("/version", cancellationToken).ConfigureAwait(false);
            string? gitVersion = null;
            try
            {
                using var doc = JsonDocument.Parse(version);
                gitVersion = PodListing.Text(doc.RootElement, "gitVersion");
            }
            catch (JsonException)
            {
                // Kept as it came; the version is then unknown.
            }
            var details = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["source"] = connection.Source,
                ["authentication"] = connection.Authentication,
                ["insecureSkipTlsVerify"] = connection.InsecureSkipTlsVerify ? "true" : "false",
                ["secretValues"] = settings.IsSet(KubernetesOptions.SecretValues) ? "true" : "false",
            };
            if (connection.Files.Count > 0)
            {
                details["kubeconfig"] = string.Join(':', connection.Files);
            }
            Put(details, "context", connection.Context);
            Put(details, "cluster", connection.Cluster);
            Put(details, "user", connection.User);
            Put(details, "execCommand", connection.ExecCommand);
            var namespaces = settings.Values(KubernetesOptions.Namespace);
            details["namespaces"] = namespaces.Count == 0 ? "*" : string.Join(',', namespaces);
            var identity = await ServerIdentity.AskAsync(api, SelfSubjectReviewPath, cancellationToken).ConfigureAwait(false);
            details["identity"] = identity.Description;
            var descriptor = new RuntimeDescriptor(RuntimeName, connection.Server, gitVersion, null)
            {
                Details = details,
                Locality = RuntimeLocality.Remote("a Kubernetes API server: it reports the cluster's objects, not processes or paths of this host"),
            };
            var runtime = new KubernetesRuntime(api, connection, descriptor, settings, version) { Identity = identity };
            runtime.Evidence.Identity = identity.Description;
            return runtime;
        }
        catch
        {
            api.Dispose();
            throw;
        }
    }

    private static void Put(Dictionary<string, string> details, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            details[key] = value;
        }
    }

    /// <summary>Every pod of the selected namespaces (all of them by default), read in pages; a pod seen twice (a list restarted after a 410) once.</summary>
    public async Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken)
    {
        var pods = new List<ContainerInfo>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        IReadOnlyList<string> paths = Namespaces.Count == 0 ? ["/api/v1/pods"] : [.. Namespaces.Select(ApiPaths.Pods)];
        foreach (string path in paths)
        {
            await foreach (var page in PagedList.ReadAsync(Api, path, [], cancellationToken).ConfigureAwait(false))
            {
                using (page)
                {
                    foreach (var item in page.Items)
                    {
                        if (PodListing.ToContainerInfo(item) is { } pod && seen.Add(pod.Id))
                        {
                            pods.Add(pod);
                        }
                    }
                }
            }
        }
        return pods;
    }

    /// <summary>Pods have no pid that means anything here: their processes are on nodes, reached through those nodes' runtimes.</summary>
    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken) => Task.FromResult<int?>(null);

    public ValueTask DisposeAsync()
    {
        Api.Dispose();
        return ValueTask.CompletedTask;
    }
}
