using System.Text.Json;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// The resources the stand-in serves: the built-in ones an incident responder reads (names,
/// verbs, short names and categories as a v1.32 kube-apiserver's discovery lists them), plus the
/// custom resources of every CustomResourceDefinition added to the cluster, as the real
/// apiextensions-apiserver serves them (https://kubernetes.io/docs/reference/kubernetes-api/extend-resources/custom-resource-definition-v1/).
/// </summary>
internal sealed class ApiResourceCatalog
{
    private static readonly string[] AllVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];
    private static readonly string[] NoCollectionDelete = ["create", "delete", "get", "list", "patch", "update", "watch"];
    private static readonly string[] CreateOnly = ["create"];
    private static readonly string[] InAll = ["all"];
    private static readonly string[] ApiExtensions = ["api-extensions"];

    /// <summary>Groups in the order a real /apis lists them (by priority), before any custom group.</summary>
    private static readonly string[] GroupOrder =
    [
        "apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "batch", "networking.k8s.io",
        "rbac.authorization.k8s.io", "admissionregistration.k8s.io", "apiextensions.k8s.io", "discovery.k8s.io",
    ];

    private static readonly IReadOnlyList<ApiResource> BuiltIn =
    [
        // core/v1: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/ and its siblings.
        // Pod field selectors: pkg/registry/core/pod/strategy.go (PodToSelectableFields).
        R("", "pods", "pod", "Pod", true, AllVerbs, ["po"], InAll,
            [new("pods/log", ["get"]), new("pods/status", ["get", "patch", "update"]), new("pods/ephemeralcontainers", ["get", "patch", "update"])],
            F(("spec.nodeName", "spec.nodeName"), ("spec.restartPolicy", "spec.restartPolicy"), ("spec.schedulerName", "spec.schedulerName"),
              ("spec.serviceAccountName", "spec.serviceAccountName"), ("spec.hostNetwork", "spec.hostNetwork"),
              ("status.phase", "status.phase"), ("status.podIP", "status.podIP"), ("status.nominatedNodeName", "status.nominatedNodeName"))),
        // Core events: field labels of pkg/apis/core/v1/conversion.go (AddFieldLabelConversionsForEvent); "source" is source.component.
        R("", "events", "event", "Event", true, AllVerbs, ["ev"], [], [],
            F(("involvedObject.kind", "involvedObject.kind"), ("involvedObject.namespace", "involvedObject.namespace"),
              ("involvedObject.name", "involvedObject.name"), ("involvedObject.uid", "involvedObject.uid"),
              ("involvedObject.apiVersion", "involvedObject.apiVersion"), ("involvedObject.resourceVersion", "involvedObject.resourceVersion"),
              ("involvedObject.fieldPath", "involvedObject.fieldPath"), ("reason", "reason"), ("reportingComponent", "reportingComponent"),
              ("source", "source.component"), ("type", "type"))),
        R("", "namespaces", "namespace", "Namespace", false, NoCollectionDelete, ["ns"], [],
            [new("namespaces/finalize", ["update"]), new("namespaces/status", ["get", "patch", "update"])], F(("status.phase", "status.phase"))),
        R("", "nodes", "node", "Node", false, AllVerbs, ["no"], [], [new("nodes/proxy", ["create", "delete", "get", "patch", "update"]), new("nodes/status", ["get", "patch", "update"])],
            F(("spec.unschedulable", "spec.unschedulable"))),
        R("", "configmaps", "configmap", "ConfigMap", true, AllVerbs, ["cm"], [], [], F()),
        R("", "secrets", "secret", "Secret", true, AllVerbs, [], [], [], F(("type", "type"))),
        R("", "serviceaccounts", "serviceaccount", "ServiceAccount", true, AllVerbs, ["sa"], [], [new("serviceaccounts/token", ["create"])], F()),
        R("", "services", "service", "Service", true, AllVerbs, ["svc"], InAll, [new("services/proxy", ["create", "delete", "get", "patch", "update"]), new("services/status", ["get", "patch", "update"])], F()),
        R("", "endpoints", "endpoints", "Endpoints", true, AllVerbs, ["ep"], [], [], F()),
        // kubectl cluster-info dump lists them in every namespace it dumps (the benchmark's peer).
        R("", "replicationcontrollers", "replicationcontroller", "ReplicationController", true, AllVerbs, ["rc"], InAll, [new("replicationcontrollers/scale", ["get", "patch", "update"]), new("replicationcontrollers/status", ["get", "patch", "update"])], F()),
        R("", "persistentvolumeclaims", "persistentvolumeclaim", "PersistentVolumeClaim", true, AllVerbs, ["pvc"], [], [new("persistentvolumeclaims/status", ["get", "patch", "update"])], F()),
        R("", "persistentvolumes", "persistentvolume", "PersistentVolume", false, AllVerbs, ["pv"], [], [new("persistentvolumes/status", ["get", "patch", "update"])], F()),
        // events.k8s.io/v1: https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/
        // Its field labels (pkg/apis/events/v1/conversion.go) are the core ones renamed: regarding.*, reportingController.
        G("events.k8s.io", "events", "event", "Event", true, AllVerbs, ["ev"], [], [],
            F(("regarding.kind", "regarding.kind"), ("regarding.namespace", "regarding.namespace"), ("regarding.name", "regarding.name"),
              ("regarding.uid", "regarding.uid"), ("regarding.apiVersion", "regarding.apiVersion"),
              ("regarding.resourceVersion", "regarding.resourceVersion"), ("regarding.fieldPath", "regarding.fieldPath"),
              ("reason", "reason"), ("reportingController", "reportingController"), ("type", "type"))),
        G("discovery.k8s.io", "endpointslices", "endpointslice", "EndpointSlice", true, AllVerbs, [], [], [], F()),
        G("networking.k8s.io", "networkpolicies", "networkpolicy", "NetworkPolicy", true, AllVerbs, ["netpol"], [], [], F()),
        G("rbac.authorization.k8s.io", "roles", "role", "Role", true, AllVerbs, [], [], [], F()),
        G("rbac.authorization.k8s.io", "rolebindings", "rolebinding", "RoleBinding", true, AllVerbs, [], [], [], F()),
        G("rbac.authorization.k8s.io", "clusterroles", "clusterrole", "ClusterRole", false, AllVerbs, [], [], [], F()),
        G("rbac.authorization.k8s.io", "clusterrolebindings", "clusterrolebinding", "ClusterRoleBinding", false, AllVerbs, [], [], [], F()),
        G("apps", "replicasets", "replicaset", "ReplicaSet", true, AllVerbs, ["rs"], InAll, [new("replicasets/scale", ["get", "patch", "update"]), new("replicasets/status", ["get", "patch", "update"])], F(("status.replicas", "status.replicas"))),
        G("apps", "deployments", "deployment", "Deployment", true, AllVerbs, ["deploy"], InAll, [new("deployments/scale", ["get", "patch", "update"]), new("deployments/status", ["get", "patch", "update"])], F()),
        G("apps", "statefulsets", "statefulset", "StatefulSet", true, AllVerbs, ["sts"], InAll, [new("statefulsets/scale", ["get", "patch", "update"]), new("statefulsets/status", ["get", "patch", "update"])], F()),
        G("apps", "daemonsets", "daemonset", "DaemonSet", true, AllVerbs, ["ds"], InAll, [new("daemonsets/status", ["get", "patch", "update"])], F()),
        G("batch", "jobs", "job", "Job", true, AllVerbs, [], InAll, [new("jobs/status", ["get", "patch", "update"])], F(("status.successful", "status.succeeded"))),
        G("batch", "cronjobs", "cronjob", "CronJob", true, AllVerbs, ["cj"], InAll, [new("cronjobs/status", ["get", "patch", "update"])], F()),
        G("admissionregistration.k8s.io", "mutatingwebhookconfigurations", "mutatingwebhookconfiguration", "MutatingWebhookConfiguration", false, AllVerbs, [], ApiExtensions, [], F()),
        G("admissionregistration.k8s.io", "validatingwebhookconfigurations", "validatingwebhookconfiguration", "ValidatingWebhookConfiguration", false, AllVerbs, [], ApiExtensions, [], F()),
        G("apiextensions.k8s.io", "customresourcedefinitions", "customresourcedefinition", "CustomResourceDefinition", false, AllVerbs, ["crd", "crds"], ApiExtensions,
            [new("customresourcedefinitions/status", ["get", "patch", "update"])], F()),
        // Virtual resources: POST only, nothing stored (https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/self-subject-review-v1/,
        // https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/self-subject-rules-review-v1/).
        G("authentication.k8s.io", "selfsubjectreviews", "selfsubjectreview", "SelfSubjectReview", false, CreateOnly, [], [], [], F()),
        G("authorization.k8s.io", "selfsubjectrulesreviews", "selfsubjectrulesreview", "SelfSubjectRulesReview", false, CreateOnly, [], [], [], F()),
    ];

    private readonly Lock _lock = new();
    private readonly Dictionary<string, IReadOnlyList<ApiResource>> _custom = new(StringComparer.Ordinal);

    /// <summary>Every resource served now: built-in first, then those of the CRDs in the order added.</summary>
    public IReadOnlyList<ApiResource> Resources
    {
        get
        {
            lock (_lock)
            {
                return [.. BuiltIn, .. _custom.Values.SelectMany(r => r)];
            }
        }
    }

    /// <summary>The resource storing objects of this apiVersion and kind.</summary>
    public ApiResource? ForKind(string apiVersion, string kind) =>
        Resources.FirstOrDefault(r => r.ApiVersion == apiVersion && r.Kind == kind && !r.Verbs.SequenceEqual(CreateOnly));

    /// <summary>The resource a URL names: group ("" for core), version, plural name.</summary>
    public ApiResource? ForPath(string group, string version, string name) =>
        Resources.FirstOrDefault(r => r.Group == group && r.Version == version && r.Name == name);

    /// <summary>The group/versions served, core excluded, in the order of /apis.</summary>
    public IReadOnlyList<(string Group, IReadOnlyList<string> Versions)> Groups()
    {
        var all = Resources.Where(r => r.Group.Length > 0).ToList();
        var names = all.Select(r => r.Group).Distinct(StringComparer.Ordinal)
            .OrderBy(g => Array.IndexOf(GroupOrder, g) is var i && i >= 0 ? i : GroupOrder.Length)
            .ToList();
        return names.Select(g => (g, (IReadOnlyList<string>)all.Where(r => r.Group == g).Select(r => r.Version).Distinct(StringComparer.Ordinal).ToList())).ToList();
    }

    /// <summary>Serves the custom resources a CRD defines (its served versions); replaces what the same CRD served before.</summary>
    public void AddDefinition(string crdName, JsonElement crd)
    {
        var spec = crd.GetProperty("spec");
        string group = spec.GetProperty("group").GetString() ?? "";
        var names = spec.GetProperty("names");
        string plural = names.GetProperty("plural").GetString() ?? "";
        string kind = names.GetProperty("kind").GetString() ?? "";
        string singular = names.TryGetProperty("singular", out var s) ? s.GetString() ?? kind.ToLowerInvariant() : kind.ToLowerInvariant();
        string[] shortNames = names.TryGetProperty("shortNames", out var sn) ? [.. sn.EnumerateArray().Select(e => e.GetString() ?? "")] : [];
        string[] categories = names.TryGetProperty("categories", out var c) ? [.. c.EnumerateArray().Select(e => e.GetString() ?? "")] : [];
        bool namespaced = spec.TryGetProperty("scope", out var scope) && scope.GetString() == "Namespaced";
        var resources = new List<ApiResource>();
        foreach (var v in spec.GetProperty("versions").EnumerateArray())
        {
            if (v.TryGetProperty("served", out var served) && served.ValueKind == JsonValueKind.False)
            {
                continue;
            }
            var subs = new List<ApiSubresource>();
            if (v.TryGetProperty("subresources", out var sr))
            {
                if (sr.TryGetProperty("status", out _))
                {
                    subs.Add(new(plural + "/status", ["get", "patch", "update"]));
                }
                if (sr.TryGetProperty("scale", out _))
                {
                    subs.Add(new(plural + "/scale", ["get", "patch", "update"]));
                }
            }
            resources.Add(new ApiResource(group, v.GetProperty("name").GetString() ?? "", plural, singular, kind, namespaced,
                AllVerbs, shortNames, categories, subs, F()));
        }
        lock (_lock)
        {
            _custom[crdName] = resources;
        }
    }

    public void RemoveDefinition(string crdName)
    {
        lock (_lock)
        {
            _custom.Remove(crdName);
        }
    }

    private static ApiResource R(string group, string name, string singular, string kind, bool namespaced, string[] verbs, string[] shortNames,
        string[] categories, ApiSubresource[] subresources, IReadOnlyDictionary<string, string> fields) =>
        new(group, "v1", name, singular, kind, namespaced, verbs, shortNames, categories, subresources, fields);

    private static ApiResource G(string group, string name, string singular, string kind, bool namespaced, string[] verbs, string[] shortNames,
        string[] categories, ApiSubresource[] subresources, IReadOnlyDictionary<string, string> fields) =>
        R(group, name, singular, kind, namespaced, verbs, shortNames, categories, subresources, fields);

    private static Dictionary<string, string> F(params (string Label, string Path)[] fields) =>
        fields.ToDictionary(f => f.Label, f => f.Path, StringComparer.Ordinal);
}
