using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Kubernetes.Api;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// A pod's owners up to the top: its ReplicaSet and that one's Deployment, its Job and that
/// one's CronJob, its StatefulSet, DaemonSet, node (a static pod), or any kind the server's
/// discovery knows. Breadth first, controllers first; each owner's object is the server's bytes
/// in <c>owners/N-KIND-NAME.json</c>, N counting the owners in the order they were reached. The
/// walk is bounded (<see cref="MaxDepth"/> levels, <see cref="MaxOwners"/> objects) and an
/// object reached twice (references that loop, or two paths to one owner) is recorded once and
/// then as skipped, so an attacker's references can neither hang nor flood the collection. An
/// owner whose uid is not the one referenced was deleted and created again under its name: it
/// is kept, said so, and its own owners are not followed.
/// </summary>
internal sealed class OwnerChain(KubernetesRuntime runtime, IEvidenceSink sink)
{
    public const int MaxDepth = 10;

    public const int MaxOwners = 32;

    /// <param name="ns">The pod's namespace: a namespaced owner is in the same namespace as its dependent.</param>
    /// <param name="podOwners">The pod's own ownerReferences.</param>
    /// <param name="pod">"pod NS/NAME", for the records.</param>
    public async Task CollectAsync(string ns, IReadOnlyList<OwnerReference> podOwners, string pod, CancellationToken cancellationToken)
    {
        var queue = new Queue<(OwnerReference Owner, int Depth, string By)>(podOwners.Select(o => (o, 1, pod)));
        var reached = new Dictionary<string, string>(StringComparer.Ordinal);
        int n = 0;
        while (queue.TryDequeue(out var next))
        {
            var (owner, depth, by) = next;
            if (++n > MaxOwners)
            {
                await SkipAsync("owners/not-followed.json", $"{queue.Count + 1} further owner references were not followed: the walk stops after {MaxOwners} owners", by, cancellationToken).ConfigureAwait(false);
                return;
            }
            string entry = $"owners/{EntryNames.Segment($"{n}-{owner.Kind.ToLowerInvariant()}-{owner.Name}")}.json";
            string key = $"{ApiResource.GroupOf(owner.ApiVersion)}/{owner.Kind}/{owner.Name}";
            if (reached.TryGetValue(key, out string? first))
            {
                await SkipAsync(entry, $"{by} names {owner.Describe()} as its owner, already collected as {first}: the owner references lead to it more than once (in a loop when it is its own owner through them)", by, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (depth > MaxDepth)
            {
                await SkipAsync(entry, $"{by} names {owner.Describe()} as its owner, {depth} levels above the pod: the walk stops after {MaxDepth} levels", by, cancellationToken).ConfigureAwait(false);
                continue;
            }
            reached[key] = entry;
            if (await AddOwnerAsync(ns, owner, depth, by, entry, cancellationToken).ConfigureAwait(false) is { } itsOwners)
            {
                foreach (var o in itsOwners)
                {
                    queue.Enqueue((o, depth + 1, $"{owner.Kind} {owner.Name}"));
                }
            }
        }
    }

    /// <summary>Stores one owner; returns the owners it names in turn, or null when they are not to be followed.</summary>
    private async Task<IReadOnlyList<OwnerReference>?> AddOwnerAsync(string ns, OwnerReference owner, int depth, string by, string entry, CancellationToken cancellationToken)
    {
        var evidence = runtime.Evidence;
        var (resource, why) = await runtime.Cache.ResourceAsync(owner.ApiVersion, owner.Kind, cancellationToken).ConfigureAwait(false);
        if (resource is null)
        {
            await SkipAsync(entry, $"{by} names {owner.Describe()} ({owner.ApiVersion}) as its owner; not followed: {why}", by, cancellationToken).ConfigureAwait(false);
            return null;
        }
        string apiBase = ApiPaths.Base(owner.ApiVersion);
        string path = resource.Namespaced ? ApiPaths.Namespaced(apiBase, ns, resource.Plural, owner.Name) : ApiPaths.Cluster(apiBase, resource.Plural, owner.Name);
        byte[] bytes;
        try
        {
            bytes = await evidence.Api.GetBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
        {
            await sink.AddAsync(evidence.Failure(EvidenceSection.Metadata, entry, "GET", path, ex,
                $"{by} names {owner.Describe()} as its owner, but the API server has no such object (404): it was deleted"), cancellationToken).ConfigureAwait(false);
            return null;
        }
        string described = evidence.Describe("GET", path) + $" (owner at level {depth}, named by {by}{(owner.Controller ? " as its controller" : "")})";
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException ex)
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, entry, bytes, described + $"; not JSON ({ex.Message}): its owners were not followed"), cancellationToken).ConfigureAwait(false);
            return null;
        }
        using (document)
        {
            string? uid = document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("metadata", out var meta) ? PodListing.Text(meta, "uid") : null;
            bool same = owner.Uid is null || uid == owner.Uid;
            if (!same)
            {
                described += $"; the reference names uid {owner.Uid} but this object has uid {uid ?? "(none)"}: not the same object (deleted and created again), its owners were not followed";
            }
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, entry, bytes, described), cancellationToken).ConfigureAwait(false);
            return same ? OwnerReference.Of(document.RootElement) : null;
        }
    }

    private async Task SkipAsync(string entry, string reason, string by, CancellationToken cancellationToken) =>
        await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Metadata,
            Name = entry,
            Status = EntryStatus.Skipped,
            Reason = reason,
            Source = new EvidenceSource { Description = $"kubernetes {runtime.Descriptor.Endpoint}: an ownerReference of {by}" },
        }, cancellationToken).ConfigureAwait(false);
}
