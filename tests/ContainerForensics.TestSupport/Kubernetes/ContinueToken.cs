using System.Buffers.Text;
using System.Text.Json;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// A list's continue token, encoded as the etcd3 store encodes it (k8s.io/apiserver/pkg/storage/continue.go):
/// base64url without padding of {"v":"meta.k8s.io/v1","rv":N,"start":"KEY\u0000"}, KEY being the
/// object's key under the resource ("ns/name", or "name" when cluster-scoped). Clients must treat
/// it as opaque (https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks);
/// rv -1 is the token of a 410 Expired, which continues inconsistently at the latest version.
/// </summary>
internal readonly record struct ContinueToken(long ResourceVersion, string Namespace, string Name)
{
    private const string Version = "meta.k8s.io/v1";

    public string Encode()
    {
        string key = Namespace.Length > 0 ? Namespace + "/" + Name : Name;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("v", Version);
            w.WriteNumber("rv", ResourceVersion);
            w.WriteString("start", key + "\0");
            w.WriteEndObject();
        }
        return Base64Url.EncodeToString(buffer.ToArray());
    }

    /// <summary>The token, or a FormatException with the real server's complaint.</summary>
    public static ContinueToken Parse(string token, bool namespaced)
    {
        try
        {
            using var doc = JsonDocument.Parse(Base64Url.DecodeFromChars(token));
            var root = doc.RootElement;
            if (root.GetProperty("v").GetString() != Version)
            {
                throw new FormatException($"continue key is not valid: server does not recognize this encoded version \"{root.GetProperty("v").GetString()}\"");
            }
            long rv = root.GetProperty("rv").GetInt64();
            string start = root.GetProperty("start").GetString() ?? "";
            if (!start.EndsWith('\0'))
            {
                throw new FormatException("continue key is not valid: start key is not terminated");
            }
            start = start[..^1];
            if (!namespaced)
            {
                return new ContinueToken(rv, "", start);
            }
            int slash = start.IndexOf('/', StringComparison.Ordinal);
            return slash > 0 ? new ContinueToken(rv, start[..slash], start[(slash + 1)..]) : throw new FormatException("continue key is not valid: no namespace in key");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or ArgumentException)
        {
            throw new FormatException($"continue key is not valid: {e.Message}", e);
        }
    }
}
