using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// An object as the stand-in keeps it: the JSON bytes exactly as a fixture gave them (served
/// byte-exact, unknown fields and nanosecond times included) and a parsed copy read only to
/// select it (labels, fields) and to place it (resource, namespace, name).
/// </summary>
internal sealed class StoredObject
{
    private StoredObject(ApiResource resource, string ns, string name, byte[] bytes, JsonElement root)
    {
        Resource = resource;
        Namespace = ns;
        Name = name;
        Bytes = bytes;
        Root = root;
    }

    public ApiResource Resource { get; }

    /// <summary>"" for a cluster-scoped object.</summary>
    public string Namespace { get; }

    public string Name { get; }

    public byte[] Bytes { get; }

    public JsonElement Root { get; }

    public IReadOnlyDictionary<string, string> Labels => ReadLabels(Root);

    /// <summary>metadata.resourceVersion when it is a number (the cluster's list version is kept above it).</summary>
    public long? NumericResourceVersion =>
        Root.TryGetProperty("metadata", out var m) && m.TryGetProperty("resourceVersion", out var rv) && rv.ValueKind == JsonValueKind.String
            && long.TryParse(rv.GetString(), NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n : null;

    /// <summary>Parses an object and finds where it lives; throws ArgumentException for what a real server would not store.</summary>
    public static StoredObject Parse(string json, ApiResourceCatalog catalog)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ArgumentException($"not JSON: {e.Message}", nameof(json), e);
        }
        string apiVersion = Text(root, "apiVersion") ?? throw new ArgumentException("apiVersion is missing", nameof(json));
        string kind = Text(root, "kind") ?? throw new ArgumentException("kind is missing", nameof(json));
        var resource = catalog.ForKind(apiVersion, kind)
            ?? throw new ArgumentException($"the stand-in serves no kind {kind} in {apiVersion} (add its CustomResourceDefinition first)", nameof(json));
        var metadata = root.TryGetProperty("metadata", out var m) && m.ValueKind == JsonValueKind.Object
            ? m : throw new ArgumentException("metadata is missing", nameof(json));
        string name = Text(metadata, "name") is { Length: > 0 } n ? n : throw new ArgumentException("metadata.name is missing", nameof(json));
        string? ns = Text(metadata, "namespace");
        if (resource.Namespaced && string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{kind} {name}: metadata.namespace is required, {resource.Name} are namespaced", nameof(json));
        }
        if (!resource.Namespaced && !string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{kind} {name}: {resource.Name} are cluster-scoped, metadata.namespace must be absent", nameof(json));
        }
        return new StoredObject(resource, ns ?? "", name, bytes, root);
    }

    /// <summary>
    /// The value a field selector compares: the string at a dotted path, booleans and numbers as
    /// the real server renders them ("true", "3"), "" when absent.
    /// </summary>
    public string FieldValue(string path)
    {
        var e = Root;
        foreach (var part in path.Split('.'))
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(part, out e))
            {
                return "";
            }
        }
        return e.ValueKind switch
        {
            JsonValueKind.String => e.GetString() ?? "",
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => e.GetRawText(),
            _ => "",
        };
    }

    private static Dictionary<string, string> ReadLabels(JsonElement root)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (root.TryGetProperty("metadata", out var m) && m.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in l.EnumerateObject())
            {
                labels[p.Name] = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() ?? "" : p.Value.GetRawText();
            }
        }
        return labels;
    }

    private static string? Text(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
