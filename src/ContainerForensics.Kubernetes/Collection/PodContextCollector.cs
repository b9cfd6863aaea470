using System.Text.Json;
using ContainerForensics.Core;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Kubernetes.Api;
using k8s;
using k8s.Models;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// The Metadata phase of a pod: what the cluster knows around it, each piece inside its own
/// failure boundary (a 403 on Secrets leaves the rest collected, and names the identity).
/// <list type="bullet">
/// <item><c>events/core.json</c>, <c>events/events.k8s.io.json</c>: the events about the pod (by uid), both APIs.</item>
/// <item><c>owners/N-KIND-NAME.json</c>: its owners up to the top (<see cref="OwnerChain"/>).</item>
/// <item><c>node.json</c>, <c>serviceaccount.json</c>; <c>rbac/...</c>: what grants its account anything (<see cref="PodRbacCollector"/>).</item>
/// <item><c>configmaps/NAME.json</c> in full; <c>secrets/NAME.json</c> as cfir's digest (<see cref="SecretEvidence"/>).</item>
/// <item><c>pvcs/NAME.json</c> and <c>pvs/NAME.json</c>: the claims it mounts and their volumes.</item>
/// <item><c>services/NAME.json</c> (the Services that select it) and <c>services/NAME.endpointslices.json</c>.</item>
/// <item><c>networkpolicies/NAME.json</c>: the NetworkPolicies of its namespace, each saying whether it selects the pod.</item>
/// </list>
/// The pod is read again (phases are apart: the Volatile phase's copy is in <c>pod.json</c>); the
/// typed model decides what to read, and every document stored is the server's bytes or, where
/// cfir writes its own (grants, secrets), says so. A pod gone since the Volatile phase, or
/// replaced by another of its name, ends its collection as vanished.
/// </summary>
internal sealed class PodContextCollector(KubernetesRuntime runtime)
{
    private const string Core = "/api/v1";

    public async Task CollectAsync(ContainerInfo container, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        var member = container.PodMembership ?? throw new ArgumentException("a Kubernetes pod unit has a pod membership", nameof(container));
        string ns = member.Namespace;
        string display = "pod " + member.DisplayName;
        var read = await ReadPodAsync(container, member, sink, cancellationToken).ConfigureAwait(false);

        await StepAsync(sink, display, "its events", () => AddEventsAsync(sink, member, read?.Uid ?? member.Uid, cancellationToken)).ConfigureAwait(false);
        if (read is not { } snapshot)
        {
            return;
        }
        var (pod, owners, _) = snapshot;
        var spec = pod.Spec ?? new V1PodSpec();
        var labels = (IReadOnlyDictionary<string, string>)new Dictionary<string, string>(pod.Metadata?.Labels ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        var refs = PodReferences.Of(pod);

        await StepAsync(sink, display, "its owners", () => owners.Count == 0
            ? AbsentAsync(sink, "owners.json", "the pod has no ownerReferences: it was created directly, not by a controller", ApiPaths.Pod(ns, member.Name), cancellationToken)
            : new OwnerChain(runtime, sink).CollectAsync(ns, owners, display, cancellationToken)).ConfigureAwait(false);
        await StepAsync(sink, display, "its node", () => string.IsNullOrEmpty(spec.NodeName)
            ? AbsentAsync(sink, "node.json", "the pod is not scheduled to a node (spec.nodeName is empty)", ApiPaths.Pod(ns, member.Name), cancellationToken)
            : runtime.Evidence.AddDocumentAsync(sink, EvidenceSection.Metadata, "node.json", ApiPaths.Cluster(Core, "nodes", spec.NodeName), cancellationToken,
                $"the pod is scheduled to node {spec.NodeName}, which the API server no longer has (404)")).ConfigureAwait(false);

        // The account the pod runs as: serviceAccountName, or its deprecated alias, or "default".
        string account = spec.ServiceAccountName is { Length: > 0 } a ? a : spec.ServiceAccount is { Length: > 0 } b ? b : "default";
        await StepAsync(sink, display, "its service account", () => runtime.Evidence.AddDocumentAsync(sink, EvidenceSection.Metadata, "serviceaccount.json",
            ApiPaths.Namespaced(Core, ns, "serviceaccounts", account), cancellationToken, $"the pod runs as service account {ns}/{account}, which does not exist (404)")).ConfigureAwait(false);
        await StepAsync(sink, display, "the RBAC grants of its service account",
            () => new PodRbacCollector(runtime, sink).CollectAsync(new ServiceAccountIdentity(ns, account), cancellationToken)).ConfigureAwait(false);

        foreach (var cm in refs.ConfigMaps.All)
        {
            await StepAsync(sink, display, $"ConfigMap {cm.Name}", () => runtime.Evidence.AddDocumentAsync(sink, EvidenceSection.Metadata, $"configmaps/{EntryNames.Segment(cm.Name)}.json",
                ApiPaths.Namespaced(Core, ns, "configmaps", cm.Name), cancellationToken, $"{cm.Describe()}, but the API server has no such ConfigMap (404)")).ConfigureAwait(false);
        }
        var secrets = new SecretEvidence(runtime, sink);
        foreach (var secret in refs.Secrets.All)
        {
            await StepAsync(sink, display, $"Secret {secret.Name}", () => secrets.AddAsync(ns, secret, cancellationToken)).ConfigureAwait(false);
        }
        foreach (var claim in refs.Claims.All)
        {
            await StepAsync(sink, display, $"PersistentVolumeClaim {claim.Name}", () => AddClaimAsync(sink, ns, claim, cancellationToken)).ConfigureAwait(false);
        }
        await StepAsync(sink, display, "the Services that select it", () => AddServicesAsync(sink, ns, labels, cancellationToken)).ConfigureAwait(false);
        await StepAsync(sink, display, "the NetworkPolicies of its namespace", () => AddNetworkPoliciesAsync(sink, ns, labels, cancellationToken)).ConfigureAwait(false);
    }

    /// <summary>The pod as the server has it now; null (recorded) when it cannot be read or understood.</summary>
    private async Task<(V1Pod Pod, IReadOnlyList<OwnerReference> Owners, string Uid)?> ReadPodAsync(ContainerInfo container, PodMembership member, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string path = ApiPaths.Pod(member.Namespace, member.Name);
        byte[] bytes;
        try
        {
            bytes = await runtime.Api.GetBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiCallException ex) when (ex.IsNotFound)
        {
            throw new ContainerGoneException(container.Id, $"the API server has no pod {member.DisplayName} any more (404)", ex);
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
        {
            sink.RecordError($"the context of pod {member.DisplayName} (owners, node, service account, RBAC, ConfigMaps, Secrets, volumes, Services, NetworkPolicies) was not collected: its object could not be read", ex);
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(bytes);
            var root = document.RootElement;
            string? uid = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("metadata", out var meta) ? PodListing.Text(meta, "uid") : null;
            if (member.Uid.Length > 0 && uid != member.Uid)
            {
                throw new ContainerGoneException(container.Id,
                    $"pod {member.DisplayName} now has uid {uid ?? "(none)"}, not the listed {member.Uid}: the listed pod was deleted and another created under its name");
            }
            var pod = KubernetesJson.Deserialize<V1Pod>(root) ?? throw new JsonException("the pod's answer is null");
            return (pod, OwnerReference.Of(root), uid ?? member.Uid);
        }
        catch (Exception ex) when (!Failures.IsFatal(ex))
        {
            // JsonException, or the typed model's own converters refusing a value (a time, a quantity).
            sink.RecordError($"the context of pod {member.DisplayName} was not collected beyond its events: the API server's answer ({path}) is not a pod cfir can read", ex);
            return null;
        }
    }

    /// <summary>Events whose object is the pod, from both event APIs: by uid (by name only when the pod has none).</summary>
    private async Task AddEventsAsync(IEvidenceSink sink, PodMembership member, string uid, CancellationToken cancellationToken)
    {
        string core = uid.Length > 0 ? "involvedObject.uid=" + FieldValue(uid) : $"involvedObject.kind=Pod,involvedObject.name={FieldValue(member.Name)}";
        string events = uid.Length > 0 ? "regarding.uid=" + FieldValue(uid) : $"regarding.kind=Pod,regarding.name={FieldValue(member.Name)}";
        await runtime.Evidence.AddListAsync(sink, EvidenceSection.Metadata, "events/core", ApiPaths.Namespaced(Core, member.Namespace, "events"),
            [("fieldSelector", core)], null, cancellationToken).ConfigureAwait(false);
        await runtime.Evidence.AddListAsync(sink, EvidenceSection.Metadata, "events/events.k8s.io", ApiPaths.Namespaced("/apis/events.k8s.io/v1", member.Namespace, "events"),
            [("fieldSelector", events)], null, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>A value inside a field selector, escaped as apimachinery's <c>fields.EscapeValue</c> does (k8s.io/apimachinery/pkg/fields/selector.go): the server's names are not trusted to be plain.</summary>
    private static string FieldValue(string value) => value.Replace(@"\", @"\\", StringComparison.Ordinal).Replace(",", @"\,", StringComparison.Ordinal).Replace("=", @"\=", StringComparison.Ordinal);

    /// <summary>A claim the pod mounts, then the PersistentVolume it is bound to (spec.volumeName).</summary>
    private async Task AddClaimAsync(IEvidenceSink sink, string ns, ReferenceSet.Reference claim, CancellationToken cancellationToken)
    {
        byte[]? bytes = await runtime.Evidence.AddDocumentAsync(sink, EvidenceSection.Metadata, $"pvcs/{EntryNames.Segment(claim.Name)}.json",
            ApiPaths.Namespaced(Core, ns, "persistentvolumeclaims", claim.Name), cancellationToken, $"{claim.Describe()}, but the API server has no such PersistentVolumeClaim (404)").ConfigureAwait(false);
        if (bytes is null)
        {
            return;
        }
        using var document = JsonDocument.Parse(bytes);
        if (document.RootElement.ValueKind == JsonValueKind.Object && document.RootElement.TryGetProperty("spec", out var spec) && PodListing.Text(spec, "volumeName") is { Length: > 0 } volume)
        {
            await runtime.Evidence.AddDocumentAsync(sink, EvidenceSection.Metadata, $"pvs/{EntryNames.Segment(volume)}.json", ApiPaths.Cluster(Core, "persistentvolumes", volume), cancellationToken,
                $"claim {claim.Name} is bound to PersistentVolume {volume}, which the API server does not have (404)").ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The Services of the namespace whose selector matches every one of its pairs in the pod's
    /// labels (https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service),
    /// each its list item's bytes, with the EndpointSlices the control plane made for it
    /// (label <c>kubernetes.io/service-name</c>), read now: they change as pods come and go.
    /// </summary>
    private async Task AddServicesAsync(IEvidenceSink sink, string ns, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        var list = await runtime.Cache.ServicesAsync(ns, cancellationToken).ConfigureAwait(false);
        if (list.Failure is { } failure)
        {
            await sink.AddAsync(runtime.Evidence.Failure(EvidenceSection.Metadata, "services.json", "GET", list.Path, failure, "the API server has no such list (404)"), cancellationToken).ConfigureAwait(false);
            return;
        }
        var selecting = list.Items.Where(s => s.Decision.All(p => labels.TryGetValue(p.Key, out var v) && v == p.Value)).ToList();
        foreach (var service in selecting)
        {
            string name = EntryNames.Segment(service.Name);
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, $"services/{name}.json", service.Bytes,
                runtime.Evidence.Describe("GET", list.Path) + ": this Service's item in the list (read once per run); its selector selects the pod"), cancellationToken).ConfigureAwait(false);
            await runtime.Evidence.AddListAsync(sink, EvidenceSection.Metadata, $"services/{name}.endpointslices", ApiPaths.Namespaced("/apis/discovery.k8s.io/v1", ns, "endpointslices"),
                [("labelSelector", "kubernetes.io/service-name=" + service.Name)], null, cancellationToken).ConfigureAwait(false);
        }
        if (selecting.Count == 0)
        {
            await AbsentAsync(sink, "services.json", $"none of the {list.Count} Services of namespace {ns} selects the pod's labels", list.Path, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Every NetworkPolicy of the pod's namespace (https://kubernetes.io/docs/concepts/services-networking/network-policies/):
    /// those whose podSelector selects the pod isolate its traffic, and the others name the peers
    /// it may or may not reach. Each entry says whether its podSelector selects the pod (or that
    /// cfir could not evaluate it). The list is read once per run; each pod's folder holds its items.
    /// </summary>
    private async Task AddNetworkPoliciesAsync(IEvidenceSink sink, string ns, IReadOnlyDictionary<string, string> labels, CancellationToken cancellationToken)
    {
        var list = await runtime.Cache.NetworkPoliciesAsync(ns, cancellationToken).ConfigureAwait(false);
        if (list.Failure is { } failure)
        {
            await sink.AddAsync(runtime.Evidence.Failure(EvidenceSection.Metadata, "networkpolicies.json", "GET", list.Path, failure, "the API server has no NetworkPolicy API (404)"), cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var policy in list.Items)
        {
            string selects = policy.Decision?.Matches(labels) switch
            {
                true => "its podSelector selects the pod",
                false => "its podSelector does not select the pod",
                null => "cfir could not evaluate its podSelector, so it may select the pod",
            };
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, $"networkpolicies/{EntryNames.Segment(policy.Name)}.json", policy.Bytes,
                runtime.Evidence.Describe("GET", list.Path) + $": this NetworkPolicy's item in the list (read once per run); {selects}"), cancellationToken).ConfigureAwait(false);
        }
        if (list.Count == 0)
        {
            await AbsentAsync(sink, "networkpolicies.json", $"namespace {ns} has no NetworkPolicy: no policy isolates the pod's traffic", list.Path, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AbsentAsync(IEvidenceSink sink, string name, string reason, string path, CancellationToken cancellationToken) =>
        await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Metadata,
            Name = name,
            Status = EntryStatus.Absent,
            Reason = reason,
            Source = new EvidenceSource { Description = runtime.Evidence.Describe("GET", path) },
        }, cancellationToken).ConfigureAwait(false);

    /// <summary>One piece of the context in its own failure boundary: what the API calls inside do not record themselves (an answer cfir cannot parse) is recorded here, and the next piece goes on.</summary>
    private static async Task StepAsync(IEvidenceSink sink, string pod, string what, Func<Task> step)
    {
        try
        {
            await step().ConfigureAwait(false);
        }
        catch (Exception ex) when (!Failures.IsFatal(ex))
        {
            sink.RecordError($"{pod}: {what} could not be collected", ex);
        }
    }
}
