namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// Where objects of one kind live: the resource's plural name in its group's path and whether it
/// is namespaced (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris).
/// </summary>
internal sealed record ApiResource(string Plural, bool Namespaced)
{
    /// <summary>
    /// The kinds that own pods and their owners in a cluster without extensions, so following
    /// them costs no discovery call. Keyed by API group ("" for core) and kind.
    /// </summary>
    private static readonly Dictionary<(string Group, string Kind), ApiResource> Known = new()
    {
        [("apps", "ReplicaSet")] = new("replicasets", true),
        [("apps", "Deployment")] = new("deployments", true),
        [("apps", "StatefulSet")] = new("statefulsets", true),
        [("apps", "DaemonSet")] = new("daemonsets", true),
        [("apps", "ControllerRevision")] = new("controllerrevisions", true),
        [("batch", "Job")] = new("jobs", true),
        [("batch", "CronJob")] = new("cronjobs", true),
        [("", "ReplicationController")] = new("replicationcontrollers", true),
        [("", "Pod")] = new("pods", true),
        [("", "Service")] = new("services", true),
        // A static (mirror) pod is owned by its node.
        [("", "Node")] = new("nodes", false),
    };

    public static ApiResource? KnownFor(string apiVersion, string kind) => Known.GetValueOrDefault((GroupOf(apiVersion), kind));

    /// <summary>"apps/v1" is group apps; "v1" the core group "".</summary>
    public static string GroupOf(string apiVersion) => apiVersion.IndexOf('/', StringComparison.Ordinal) is int slash and >= 0 ? apiVersion[..slash] : "";
}
