namespace ContainerForensics.Kubernetes.Api;

/// <summary>
/// The REST paths cfir reads (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris):
/// core resources under /api/v1, others under /apis/GROUP/VERSION; namespaced ones under
/// namespaces/NS. Names are escaped as path segments.
/// </summary>
public static class ApiPaths
{
    public static string Pods(string ns) => Namespaced("/api/v1", ns, "pods");

    public static string Pod(string ns, string name) => Namespaced("/api/v1", ns, "pods", name);

    /// <summary>A namespaced collection or object: BASE/namespaces/NS/RESOURCE[/NAME].</summary>
    public static string Namespaced(string apiBase, string ns, string resource, string? name = null) =>
        $"{apiBase}/namespaces/{Segment(ns)}/{resource}" + (name is null ? "" : "/" + Segment(name));

    /// <summary>A cluster-scoped collection or object: BASE/RESOURCE[/NAME].</summary>
    public static string Cluster(string apiBase, string resource, string? name = null) =>
        $"{apiBase}/{resource}" + (name is null ? "" : "/" + Segment(name));

    /// <summary>The API base of an apiVersion: "v1" is /api/v1, "apps/v1" is /apis/apps/v1.</summary>
    public static string Base(string apiVersion) => apiVersion.Contains('/', StringComparison.Ordinal) ? "/apis/" + apiVersion : "/api/" + apiVersion;

    public static string Segment(string name) => Uri.EscapeDataString(name);
}
