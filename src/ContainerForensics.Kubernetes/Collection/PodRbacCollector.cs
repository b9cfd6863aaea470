using System.Runtime.InteropServices;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// What RBAC grants a pod's service account: every ClusterRoleBinding, and every RoleBinding (of
/// every namespace when cfir may list them all, else of the pod's), whose subjects include the
/// account itself, its user name or one of its groups (<see cref="ServiceAccountIdentity"/>),
/// each stored as the server's bytes of its list item; every Role or ClusterRole they refer to,
/// stored as read; and <c>rbac/grants.json</c>, cfir's own summary of binding → role → rules.
/// The lists and roles come from the run's <see cref="ClusterCache"/>: read once for all pods.
/// The lists' pages themselves are not stored (a pod's folder holds what concerns the pod).
/// </summary>
internal sealed class PodRbacCollector(KubernetesRuntime runtime, IEvidenceSink sink)
{
    private readonly List<string> _incomplete = [];

    public async Task CollectAsync(ServiceAccountIdentity account, CancellationToken cancellationToken)
    {
        var cache = runtime.Cache;
        var matched = new List<(RbacBinding Binding, IReadOnlyList<RbacSubject> Subjects, string Entry)>();
        var clusterBindings = await cache.ClusterRoleBindingsAsync(cancellationToken).ConfigureAwait(false);
        await AddMatchesAsync(account, clusterBindings, "rbac/clusterrolebindings", matched, cancellationToken).ConfigureAwait(false);
        var (bindings, everyNamespace) = await cache.RoleBindingsAsync(account.Namespace, cancellationToken).ConfigureAwait(false);
        if (everyNamespace?.Failure is { } wider)
        {
            _incomplete.Add($"RoleBindings outside namespace {account.Namespace} were not read (listing {everyNamespace.Path} failed: {wider.Message}): a RoleBinding of another namespace may grant this account rights there");
        }
        await AddMatchesAsync(account, bindings, "rbac/rolebindings", matched, cancellationToken).ConfigureAwait(false);

        var grants = new List<(RbacBinding Binding, IReadOnlyList<RbacSubject> Subjects, string BindingEntry, string RoleEntry, CachedDocument Role)>();
        var stored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (binding, subjects, entry) in matched)
        {
            bool cluster = binding.RoleKind == "ClusterRole" || binding.Namespace is null;
            string roleEntry = cluster ? $"rbac/clusterroles/{EntryNames.Segment(binding.RoleName)}.json"
                : $"rbac/roles/{EntryNames.Segment(binding.Namespace!)}/{EntryNames.Segment(binding.RoleName)}.json";
            var role = await cache.RoleAsync(binding.RoleKind, binding.Namespace, binding.RoleName, cancellationToken).ConfigureAwait(false);
            if (stored.Add(roleEntry))
            {
                var item = role.Bytes is { } bytes
                    ? EvidenceItem.Json(EvidenceSection.Metadata, roleEntry, bytes, runtime.Evidence.Describe("GET", role.Path) + $" (the role of {binding.Kind} {binding.Name}; read once per run)")
                    : runtime.Evidence.Failure(EvidenceSection.Metadata, roleEntry, "GET", role.Path, role.Failure!,
                        $"{binding.Kind} {binding.Name} refers to {binding.RoleKind} {binding.RoleName}, which does not exist (404): the binding grants nothing until one is created");
                await sink.AddAsync(item, cancellationToken).ConfigureAwait(false);
            }
            grants.Add((binding, subjects, entry, roleEntry, role));
        }
        await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, "rbac/grants.json", Summary(account, grants),
            $"derived by cfir from the bindings and roles stored beside it (rbac/...): which binding grants service account {account.Namespace}/{account.Name} which role's rules; not a document of the API server"), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores the bindings of a list that name <paramref name="account"/>; a list that failed is a failed entry of this pod.</summary>
    private async Task AddMatchesAsync(ServiceAccountIdentity account, CachedList<RbacBinding> list, string folder, List<(RbacBinding, IReadOnlyList<RbacSubject>, string)> matched, CancellationToken cancellationToken)
    {
        if (list.Failure is { } failure)
        {
            _incomplete.Add($"{list.Path} could not be read: {failure.Message}");
            await sink.AddAsync(runtime.Evidence.Failure(EvidenceSection.Metadata, folder + ".json", "GET", list.Path, failure, "the API server has no such list (404)"), cancellationToken).ConfigureAwait(false);
            return;
        }
        foreach (var binding in list.Items)
        {
            var subjects = account.SubjectsIn(binding);
            if (subjects.Count == 0)
            {
                continue;
            }
            string entry = binding.Namespace is { } ns && !binding.IsClusterWide
                ? $"{folder}/{EntryNames.Segment(ns)}/{EntryNames.Segment(binding.Name)}.json"
                : $"{folder}/{EntryNames.Segment(binding.Name)}.json";
            string names = string.Join(", ", subjects.Select(s => $"{s.Kind} {(s.Namespace is null ? "" : s.Namespace + "/")}{s.Name}"));
            await sink.AddAsync(EvidenceItem.Json(EvidenceSection.Metadata, entry, binding.Bytes,
                runtime.Evidence.Describe("GET", list.Path) + $": this binding's item in the list (read once per run); it names {names}"), cancellationToken).ConfigureAwait(false);
            matched.Add((binding, subjects, entry));
        }
    }

    private byte[] Summary(ServiceAccountIdentity account, List<(RbacBinding Binding, IReadOnlyList<RbacSubject> Subjects, string BindingEntry, string RoleEntry, CachedDocument Role)> grants)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, EvidenceJsonOptions.Indented))
        {
            json.WriteStartObject();
            json.WriteString("derivedBy", "cfir");
            json.WriteStartObject("serviceAccount");
            json.WriteString("namespace", account.Namespace);
            json.WriteString("name", account.Name);
            json.WriteString("user", account.UserName);
            json.WriteStartArray("groups");
            foreach (string g in account.Groups)
            {
                json.WriteStringValue(g);
            }
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteStartArray("grants");
            foreach (var (binding, subjects, bindingEntry, roleEntry, role) in grants)
            {
                json.WriteStartObject();
                json.WriteStartObject("binding");
                json.WriteString("kind", binding.Kind);
                if (!binding.IsClusterWide)
                {
                    json.WriteString("namespace", binding.Namespace);
                }
                json.WriteString("name", binding.Name);
                json.WriteString("entry", bindingEntry);
                json.WriteEndObject();
                json.WriteString("scope", binding.IsClusterWide ? "cluster" : $"namespace {binding.Namespace}");
                json.WriteStartArray("subjects");
                foreach (var s in subjects)
                {
                    json.WriteStartObject();
                    json.WriteString("kind", s.Kind);
                    json.WriteString("name", s.Name);
                    if (s.Namespace is not null)
                    {
                        json.WriteString("namespace", s.Namespace);
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteStartObject("role");
                json.WriteString("kind", binding.RoleKind);
                json.WriteString("name", binding.RoleName);
                json.WriteString("entry", roleEntry);
                WriteRules(json, role);
                json.WriteEndObject();
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteStartArray("incomplete");
            _incomplete.ForEach(json.WriteStringValue);
            json.WriteEndArray();
            json.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>The role's rules (and aggregationRule: a ClusterRole whose rules a controller fills from others) as the server sent them, or why they are unknown.</summary>
    private static void WriteRules(Utf8JsonWriter json, CachedDocument role)
    {
        if (role.Bytes is null)
        {
            json.WriteString("error", role.Failure?.Message);
            return;
        }
        try
        {
            using var document = JsonDocument.Parse(role.Bytes);
            var root = document.RootElement;
            foreach (string field in (string[])["rules", "aggregationRule"])
            {
                if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty(field, out var value))
                {
                    json.WritePropertyName(field);
                    json.WriteRawValue(JsonMarshal.GetRawUtf8Value(value));
                }
            }
        }
        catch (JsonException ex)
        {
            json.WriteString("error", $"the role is not JSON: {ex.Message}");
        }
    }
}
