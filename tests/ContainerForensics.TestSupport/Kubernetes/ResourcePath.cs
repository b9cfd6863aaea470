namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// A resource URL taken apart as the real server's RequestInfoFactory does
/// (https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris):
/// /api/v1/[namespaces/NS/]RESOURCE[/NAME[/SUBRESOURCE]] and the same under /apis/GROUP/VERSION.
/// "/api/v1/namespaces/NS" is the namespace NS itself, and its finalize/status subresources
/// stay with it.
/// </summary>
internal sealed record ResourcePath(string Group, string Version, string? Namespace, string Resource, string? Name, string? Subresource)
{
    private static readonly string[] NamespaceSubresources = ["status", "finalize"];

    /// <summary>Null when the path is not a resource path (discovery, or nothing the real server serves).</summary>
    public static ResourcePath? Parse(string path)
    {
        var parts = path.Trim('/').Split('/');
        string group;
        string version;
        int rest;
        if (parts.Length >= 3 && parts[0] == "api")
        {
            (group, version, rest) = ("", parts[1], 2);
        }
        else if (parts.Length >= 4 && parts[0] == "apis")
        {
            (group, version, rest) = (parts[1], parts[2], 3);
        }
        else
        {
            return null;
        }
        var p = parts[rest..];
        if (p.Any(s => s.Length == 0))
        {
            return null;
        }
        string? ns = null;
        if (p[0] == "namespaces" && p.Length > 1 && (p.Length == 2 || !NamespaceSubresources.Contains(p[2])))
        {
            ns = p[1];
            if (p.Length > 2)
            {
                p = p[2..];
            }
            else
            {
                // GET /api/v1/namespaces/NS: the namespace object, cluster-scoped.
                return new ResourcePath(group, version, null, "namespaces", ns, null);
            }
        }
        return p.Length switch
        {
            1 => new ResourcePath(group, version, ns, p[0], null, null),
            2 => new ResourcePath(group, version, ns, p[0], p[1], null),
            3 => new ResourcePath(group, version, ns, p[0], p[1], p[2]),
            _ => null,
        };
    }
}
