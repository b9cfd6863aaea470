using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using System.Text.Json;
using ContainerForensics.Kubernetes.Api;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// What the contexts of many pods share, read once per run: the ClusterRoleBindings, the
/// RoleBindings, a namespace's Services and NetworkPolicies, the Roles they grant, and the
/// discovery documents that resolve an owner's kind. Pods are collected several at once; a list
/// is fetched once even when two pods ask for it at the same moment (one <see cref="Lazy{T}"/>
/// task per key). Only what can concern a pod is kept of a list (<see cref="CachedList{T}"/>),
/// and a list that failed is a failure every pod records, not a call every pod repeats.
/// </summary>
internal sealed class ClusterCache(KubernetesApi api)
{
    public const string Rbac = "/apis/rbac.authorization.k8s.io/v1";

    private readonly ConcurrentDictionary<string, Lazy<Task<CachedList<RbacBinding>>>> _bindings = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedList<ListedItem<IReadOnlyDictionary<string, string>>>>>> _services = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedList<ListedItem<LabelSelector?>>>>> _policies = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedDocument>>> _roles = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<Task<CachedList<(string Kind, ApiResource Resource)>>>> _discovery = new(StringComparer.Ordinal);

    /// <summary>The ClusterRoleBindings that may name a service account.</summary>
    public Task<CachedList<RbacBinding>> ClusterRoleBindingsAsync(CancellationToken cancellationToken) =>
        Once(_bindings, "clusterrolebindings", ct => ListAsync(Rbac + "/clusterrolebindings", item => RbacBinding.KeepIfServiceAccounts(item, RbacBinding.ClusterRoleBindingKind), ct), cancellationToken);

    /// <summary>
    /// The RoleBindings that may name a service account: of every namespace when cfir may list
    /// them all (a RoleBinding elsewhere can grant a pod's account rights in that namespace), else
    /// of <paramref name="ns"/>; then <c>EveryNamespace</c> is the failed list of all of them.
    /// </summary>
    public async Task<(CachedList<RbacBinding> Bindings, CachedList<RbacBinding>? EveryNamespace)> RoleBindingsAsync(string ns, CancellationToken cancellationToken)
    {
        var all = await Once(_bindings, "rolebindings", ct => ListAsync(Rbac + "/rolebindings", RoleBinding, ct), cancellationToken).ConfigureAwait(false);
        if (all.Failure is null)
        {
            return (all, null);
        }
        var own = await Once(_bindings, "rolebindings/" + ns, ct => ListAsync(ApiPaths.Namespaced(Rbac, ns, "rolebindings"), RoleBinding, ct), cancellationToken).ConfigureAwait(false);
        return (own, all);

        static RbacBinding? RoleBinding(JsonElement item) => RbacBinding.KeepIfServiceAccounts(item, RbacBinding.RoleBindingKind);
    }

    /// <summary>A Role (in <paramref name="ns"/>) or ClusterRole a binding refers to.</summary>
    public Task<CachedDocument> RoleAsync(string kind, string? ns, string name, CancellationToken cancellationToken)
    {
        string path = kind == "ClusterRole" || ns is null ? ApiPaths.Cluster(Rbac, "clusterroles", name) : ApiPaths.Namespaced(Rbac, ns, "roles", name);
        return Once(_roles, path, async ct =>
        {
            try
            {
                return new CachedDocument(path, await api.GetBytesAsync(path, ct).ConfigureAwait(false), null);
            }
            catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
            {
                return new CachedDocument(path, null, ex);
            }
        }, cancellationToken);
    }

    /// <summary>The Services of <paramref name="ns"/> that select pods (a Service without a selector selects none).</summary>
    public Task<CachedList<ListedItem<IReadOnlyDictionary<string, string>>>> ServicesAsync(string ns, CancellationToken cancellationToken) =>
        Once(_services, ns, ct => ListAsync(ApiPaths.Namespaced("/api/v1", ns, "services"), ServiceOf, ct), cancellationToken);

    /// <summary>The NetworkPolicies of <paramref name="ns"/>, each with its podSelector (null: cfir cannot evaluate it).</summary>
    public Task<CachedList<ListedItem<LabelSelector?>>> NetworkPoliciesAsync(string ns, CancellationToken cancellationToken) =>
        Once(_policies, ns, ct => ListAsync(ApiPaths.Namespaced("/apis/networking.k8s.io/v1", ns, "networkpolicies"), PolicyOf, ct), cancellationToken);

    /// <summary>
    /// Where objects of <paramref name="kind"/> in <paramref name="apiVersion"/> live: known kinds
    /// at once, others from the group version's discovery document (GET /apis/GROUP/VERSION, once
    /// per run). Null with the reason when the server does not say.
    /// </summary>
    public async Task<(ApiResource? Resource, string? Why)> ResourceAsync(string apiVersion, string kind, CancellationToken cancellationToken)
    {
        if (ApiResource.KnownFor(apiVersion, kind) is { } known)
        {
            return (known, null);
        }
        var discovered = await Once(_discovery, apiVersion, ct => DiscoverAsync(apiVersion, ct), cancellationToken).ConfigureAwait(false);
        if (discovered.Failure is { } failure)
        {
            return (null, $"the kind is not one cfir knows, and the API server's discovery document for {apiVersion} could not be read: {failure.Message}");
        }
        return discovered.Items.FirstOrDefault(r => r.Kind == kind) is { Resource: { } found }
            ? (found, null)
            : (null, $"the API server's discovery document for {apiVersion} lists no resource of kind {kind}");
    }

    private async Task<CachedList<(string Kind, ApiResource Resource)>> DiscoverAsync(string apiVersion, CancellationToken cancellationToken)
    {
        string path = ApiPaths.Base(apiVersion);
        try
        {
            byte[] bytes = await api.GetBytesAsync(path, cancellationToken).ConfigureAwait(false);
            using var document = JsonDocument.Parse(bytes);
            var found = new List<(string, ApiResource)>();
            if (document.RootElement.TryGetProperty("resources", out var resources) && resources.ValueKind == JsonValueKind.Array)
            {
                foreach (var r in resources.EnumerateArray())
                {
                    // "deployments/scale" and the like are subresources, not where objects live.
                    if (PodListing.Text(r, "name") is { } plural && !plural.Contains('/', StringComparison.Ordinal) && PodListing.Text(r, "kind") is { } k)
                    {
                        found.Add((k, new ApiResource(plural, r.TryGetProperty("namespaced", out var n) && n.ValueKind == JsonValueKind.True)));
                    }
                }
            }
            return new(path, found, found.Count, null);
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex) || ex is JsonException)
        {
            return new(path, [], 0, ex);
        }
    }

    private static ListedItem<IReadOnlyDictionary<string, string>>? ServiceOf(JsonElement item)
    {
        if (!item.TryGetProperty("metadata", out var meta) || PodListing.Text(meta, "name") is not { } name
            || !item.TryGetProperty("spec", out var spec) || !spec.TryGetProperty("selector", out var selector) || selector.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in selector.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.String)
            {
                return null;
            }
            pairs[p.Name] = p.Value.GetString()!;
        }
        return pairs.Count == 0 ? null : new(name, pairs, JsonMarshal.GetRawUtf8Value(item).ToArray());
    }

    private static ListedItem<LabelSelector?>? PolicyOf(JsonElement item)
    {
        if (!item.TryGetProperty("metadata", out var meta) || PodListing.Text(meta, "name") is not { } name)
        {
            return null;
        }
        var selector = item.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("podSelector", out var s) ? LabelSelector.Parse(s) : null;
        return new(name, selector, JsonMarshal.GetRawUtf8Value(item).ToArray());
    }

    /// <summary>
    /// A whole list in pages, keeping what <paramref name="keep"/> returns of each item. A list
    /// restarted after a 410 starts over, so no item is kept twice. Failures are returned.
    /// </summary>
    private async Task<CachedList<T>> ListAsync<T>(string path, Func<JsonElement, T?> keep, CancellationToken cancellationToken)
        where T : class
    {
        var kept = new List<T>();
        int count = 0;
        int attempt = 1;
        try
        {
            await foreach (var page in PagedList.ReadAsync(api, path, [], cancellationToken).ConfigureAwait(false))
            {
                using (page)
                {
                    if (page.Attempt != attempt)
                    {
                        attempt = page.Attempt;
                        kept.Clear();
                        count = 0;
                    }
                    foreach (var item in page.Items)
                    {
                        count++;
                        if (keep(item) is { } k)
                        {
                            kept.Add(k);
                        }
                    }
                }
            }
            return new(path, kept, count, null);
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex) || ex is JsonException)
        {
            return new(path, [], count, ex);
        }
    }

    /// <summary>
    /// The value for <paramref name="key"/>, fetched by the first caller; the others await the
    /// same task. A fetch cancelled under one caller while the others' run goes on is fetched again.
    /// </summary>
    private static async Task<T> Once<T>(ConcurrentDictionary<string, Lazy<Task<T>>> map, string key, Func<CancellationToken, Task<T>> fetch, CancellationToken cancellationToken)
    {
        while (true)
        {
            var lazy = map.GetOrAdd(key, _ => new Lazy<Task<T>>(() => fetch(cancellationToken)));
            try
            {
                return await lazy.Value.WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                map.TryRemove(new KeyValuePair<string, Lazy<Task<T>>>(key, lazy));
            }
        }
    }
}
