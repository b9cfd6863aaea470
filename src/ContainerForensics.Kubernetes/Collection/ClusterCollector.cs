using System.Runtime.InteropServices;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Kubernetes.Api;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// The cluster as a whole, taken once per run after every pod's volatile evidence: the server's
/// version, nodes, namespaces (their PodSecurity labels among them), the mutating and validating
/// webhook configurations (a persistence vector: they see and may change every object created),
/// the ClusterRoleBindings to cluster-admin, the CRDs' names, and who cfir was to the server:
/// its SelfSubjectReview and, per namespace of the collected pods, its SelfSubjectRulesReview, so
/// a reader knows what was invisible to it. Each document inside its own failure boundary.
/// </summary>
internal sealed class ClusterCollector(KubernetesRuntime runtime)
{
    private const string Rbac = "/apis/rbac.authorization.k8s.io/v1";

    public async Task CollectAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var evidence = runtime.Evidence;
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "version.json", runtime.VersionDocument, evidence.Describe("GET", "/version")), cancellationToken).ConfigureAwait(false);
        await AddIdentityAsync(sink, cancellationToken).ConfigureAwait(false);
        await evidence.AddListAsync(sink, EvidenceSection.Metadata, "nodes", "/api/v1/nodes", [], null, cancellationToken).ConfigureAwait(false);
        await evidence.AddListAsync(sink, EvidenceSection.Metadata, "namespaces", "/api/v1/namespaces", [], null, cancellationToken).ConfigureAwait(false);
        await evidence.AddListAsync(sink, EvidenceSection.Metadata, "webhooks/mutating", "/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", [], null, cancellationToken).ConfigureAwait(false);
        await evidence.AddListAsync(sink, EvidenceSection.Metadata, "webhooks/validating", "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", [], null, cancellationToken).ConfigureAwait(false);
        await AddClusterAdminBindingsAsync(sink, cancellationToken).ConfigureAwait(false);
        await AddCrdNamesAsync(sink, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>SelfSubjectReview as it was answered at connection (authentication.k8s.io/v1, Kubernetes 1.28+), then the rules per namespace.</summary>
    private async Task AddIdentityAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var evidence = runtime.Evidence;
        const string reviewPath = KubernetesRuntime.SelfSubjectReviewPath;
        switch (runtime.Identity)
        {
            case { Document: { } review }:
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "identity/selfsubjectreview.json", review, evidence.Describe("POST", reviewPath)), cancellationToken).ConfigureAwait(false);
                break;
            case { Failure: { } failure }:
                await sink.AddAsync(evidence.Failure(EvidenceSection.Metadata, "identity/selfsubjectreview.json", "POST", reviewPath, failure,
                    "the server does not offer SelfSubjectReview (authentication.k8s.io/v1, Kubernetes 1.28 and later)"), cancellationToken).ConfigureAwait(false);
                break;
        }
        const string rulesPath = "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews";
        foreach (string ns in runtime.CollectedNamespaces)
        {
            string name = $"identity/rules/{EntryNames.Segment(ns)}.json";
            byte[] body = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
            {
                ["kind"] = "SelfSubjectRulesReview",
                ["apiVersion"] = "authorization.k8s.io/v1",
                ["spec"] = new Dictionary<string, string> { ["namespace"] = ns },
            });
            try
            {
                byte[] answer = await evidence.Api.PostBytesAsync(rulesPath, body, cancellationToken).ConfigureAwait(false);
                await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, name, answer, evidence.Describe("POST", rulesPath) + $" (spec.namespace {ns}): what cfir's identity may do there"), cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ApiEvidence.IsApiFailure(ex))
            {
                await sink.AddAsync(evidence.Failure(EvidenceSection.Metadata, name, "POST", rulesPath, ex, "the server does not offer SelfSubjectRulesReview"), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// Every ClusterRoleBinding to the ClusterRole cluster-admin, each the server's bytes of its
    /// list item: the list is read in pages and only those bindings are kept.
    /// </summary>
    private async Task AddClusterAdminBindingsAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var evidence = runtime.Evidence;
        string path = Rbac + "/clusterrolebindings";
        var found = new List<(string Name, byte[] Bytes)>();
        try
        {
            await foreach (var page in PagedList.ReadAsync(evidence.Api, path, [], cancellationToken).ConfigureAwait(false))
            {
                using (page)
                {
                    foreach (var item in page.Items)
                    {
                        if (item.TryGetProperty("roleRef", out var role) && PodListing.Text(role, "kind") == "ClusterRole" && PodListing.Text(role, "name") == "cluster-admin"
                            && item.TryGetProperty("metadata", out var meta) && PodListing.Text(meta, "name") is { } name && found.All(f => f.Name != name))
                        {
                            found.Add((name, JsonMarshal.GetRawUtf8Value(item).ToArray()));
                        }
                    }
                }
            }
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex) || ex is JsonException)
        {
            await sink.AddAsync(evidence.Failure(EvidenceSection.Metadata, "cluster-admin-bindings.json", "GET", path, ex, "the server has no ClusterRoleBindings (404)"), cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var (name, bytes) in found)
        {
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, $"cluster-admin-bindings/{EntryNames.Segment(name)}.json", bytes,
                evidence.Describe("GET", path) + ": this binding's item in the list (roleRef ClusterRole cluster-admin)"), cancellationToken).ConfigureAwait(false);
        }
        if (found.Count == 0)
        {
            await sink.AddAsync(new EvidenceItem
            {
                Section = EvidenceSection.Metadata,
                Name = "cluster-admin-bindings.json",
                Status = EntryStatus.Absent,
                Reason = "no ClusterRoleBinding refers to the ClusterRole cluster-admin",
                Source = new EvidenceSource { Description = evidence.Describe("GET", path) },
            }, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// The CRDs' names, groups, versions and times: a document cfir derives from the pages (a CRD's
    /// schema can be megabytes; the names say which APIs exist). Said so in its description.
    /// </summary>
    private async Task AddCrdNamesAsync(IEvidenceSink sink, CancellationToken cancellationToken)
    {
        var evidence = runtime.Evidence;
        string path = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions";
        using var buffer = new MemoryStream();
        try
        {
            using (var json = new Utf8JsonWriter(buffer, EvidenceJsonOptions.Indented))
            {
                json.WriteStartArray();
                await foreach (var page in PagedList.ReadAsync(evidence.Api, path, [], cancellationToken).ConfigureAwait(false))
                {
                    using (page)
                    {
                        foreach (var item in page.Items)
                        {
                            WriteCrd(json, item);
                        }
                    }
                }
                json.WriteEndArray();
            }
        }
        catch (Exception ex) when (ApiEvidence.IsApiFailure(ex) || ex is JsonException)
        {
            await sink.AddAsync(evidence.Failure(EvidenceSection.Metadata, "crds.json", "GET", path, ex, "the server has no CustomResourceDefinitions API (404)"), cancellationToken).ConfigureAwait(false);
            return;
        }
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "crds.json", buffer.ToArray(),
            $"derived by cfir from {evidence.Describe("GET", path)}: each CRD's name, uid, group, scope, versions and creation time (the schemas were not stored)"), cancellationToken).ConfigureAwait(false);
    }

    private static void WriteCrd(Utf8JsonWriter json, JsonElement crd)
    {
        json.WriteStartObject();
        if (crd.TryGetProperty("metadata", out var meta))
        {
            json.WriteString("name", PodListing.Text(meta, "name"));
            json.WriteString("uid", PodListing.Text(meta, "uid"));
            json.WriteString("creationTimestamp", PodListing.Text(meta, "creationTimestamp"));
        }
        if (crd.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object)
        {
            json.WriteString("group", PodListing.Text(spec, "group"));
            json.WriteString("scope", PodListing.Text(spec, "scope"));
            if (spec.TryGetProperty("names", out var names) && names.ValueKind == JsonValueKind.Object)
            {
                json.WriteString("kind", PodListing.Text(names, "kind"));
                json.WriteString("plural", PodListing.Text(names, "plural"));
            }
            json.WriteStartArray("versions");
            if (spec.TryGetProperty("versions", out var versions) && versions.ValueKind == JsonValueKind.Array)
            {
                foreach (var v in versions.EnumerateArray())
                {
                    if (PodListing.Text(v, "name") is { } version)
                    {
                        json.WriteStringValue(version);
                    }
                }
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }
}
