using System.Text.Json;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// The legacy (unaggregated) discovery documents: /version (version.Info), /api (APIVersions),
/// /apis (APIGroupList), /apis/GROUP (APIGroup), /api/v1 and /apis/GROUP/VERSION (APIResourceList)
/// (https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api). They are always
/// sent as plain application/json: a client asking for aggregated discovery
/// (application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList) reads that Content-Type
/// and falls back to these documents, as client-go does with an older server.
/// </summary>
internal static class DiscoveryDocuments
{
    public static byte[] Version(string gitVersion, DateTimeOffset buildDate)
    {
        // "v1.32.4" -> major "1", minor "32".
        var numbers = gitVersion.TrimStart('v').Split('.', '-', '+');
        return Json(w =>
        {
            w.WriteString("major", numbers[0]);
            w.WriteString("minor", numbers.Length > 1 ? numbers[1] : "0");
            w.WriteString("gitVersion", gitVersion);
            w.WriteString("gitCommit", "0000000000000000000000000000000000000000");
            w.WriteString("gitTreeState", "clean");
            w.WriteString("buildDate", buildDate.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("goVersion", "go1.23.8");
            w.WriteString("compiler", "gc");
            w.WriteString("platform", "linux/amd64");
        });
    }

    public static byte[] CoreVersions(string serverAddress) => Json(w =>
    {
        w.WriteString("kind", "APIVersions");
        w.WriteStartArray("versions");
        w.WriteStringValue("v1");
        w.WriteEndArray();
        w.WriteStartArray("serverAddressByClientCIDRs");
        w.WriteStartObject();
        w.WriteString("clientCIDR", "0.0.0.0/0");
        w.WriteString("serverAddress", serverAddress);
        w.WriteEndObject();
        w.WriteEndArray();
    });

    public static byte[] GroupList(ApiResourceCatalog catalog) => Json(w =>
    {
        w.WriteString("kind", "APIGroupList");
        w.WriteString("apiVersion", "v1");
        w.WriteStartArray("groups");
        foreach (var (group, versions) in catalog.Groups())
        {
            w.WriteStartObject();
            WriteGroupBody(w, group, versions);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    });

    /// <summary>/apis/GROUP, or null when no such group is served.</summary>
    public static byte[]? Group(ApiResourceCatalog catalog, string group)
    {
        var found = catalog.Groups().FirstOrDefault(g => g.Group == group);
        return found.Group is null ? null : Json(w =>
        {
            w.WriteString("kind", "APIGroup");
            w.WriteString("apiVersion", "v1");
            WriteGroupBody(w, found.Group, found.Versions);
        });
    }

    /// <summary>/api/v1 or /apis/GROUP/VERSION, or null when nothing is served there.</summary>
    public static byte[]? ResourceList(ApiResourceCatalog catalog, string group, string version)
    {
        var resources = catalog.Resources.Where(r => r.Group == group && r.Version == version).OrderBy(r => r.Name, StringComparer.Ordinal).ToList();
        if (resources.Count == 0)
        {
            return null;
        }
        string groupVersion = group.Length == 0 ? version : group + "/" + version;
        return Json(w =>
        {
            w.WriteString("kind", "APIResourceList");
            if (group.Length > 0)
            {
                w.WriteString("apiVersion", "v1");
            }
            w.WriteString("groupVersion", groupVersion);
            w.WriteStartArray("resources");
            foreach (var r in resources)
            {
                w.WriteStartObject();
                w.WriteString("name", r.Name);
                w.WriteString("singularName", r.SingularName);
                w.WriteBoolean("namespaced", r.Namespaced);
                w.WriteString("kind", r.Kind);
                Strings(w, "verbs", r.Verbs);
                if (r.ShortNames.Count > 0)
                {
                    Strings(w, "shortNames", r.ShortNames);
                }
                if (r.Categories.Count > 0)
                {
                    Strings(w, "categories", r.Categories);
                }
                w.WriteEndObject();
                foreach (var sub in r.Subresources.OrderBy(s => s.Name, StringComparer.Ordinal))
                {
                    w.WriteStartObject();
                    w.WriteString("name", sub.Name);
                    w.WriteString("singularName", "");
                    w.WriteBoolean("namespaced", r.Namespaced);
                    w.WriteString("kind", r.Kind);
                    Strings(w, "verbs", sub.Verbs);
                    w.WriteEndObject();
                }
            }
            w.WriteEndArray();
        });
    }

    private static void WriteGroupBody(Utf8JsonWriter w, string group, IReadOnlyList<string> versions)
    {
        w.WriteString("name", group);
        w.WriteStartArray("versions");
        foreach (var v in versions)
        {
            GroupVersion(w, null, group, v);
        }
        w.WriteEndArray();
        GroupVersion(w, "preferredVersion", group, versions[0]);
    }

    private static void GroupVersion(Utf8JsonWriter w, string? property, string group, string version)
    {
        if (property is null)
        {
            w.WriteStartObject();
        }
        else
        {
            w.WriteStartObject(property);
        }
        w.WriteString("groupVersion", group + "/" + version);
        w.WriteString("version", version);
        w.WriteEndObject();
    }

    private static void Strings(Utf8JsonWriter w, string property, IEnumerable<string> values)
    {
        w.WriteStartArray(property);
        foreach (var v in values)
        {
            w.WriteStringValue(v);
        }
        w.WriteEndArray();
    }

    internal static byte[] Json(Action<Utf8JsonWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, KubeStatus.WriterOptions))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }
}
