using System.Buffers;
using System.Buffers.Text;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Kubernetes.Collection;

/// <summary>
/// What cfir keeps of a Secret unless <c>--secret-values</c> is given: a document of its own,
/// never the server's bytes. It holds the Secret's identity (name, namespace, uid,
/// resourceVersion, times, labels, owners, finalizers, who wrote it when), its type, and for each
/// key of <c>data</c> (base64, https://kubernetes.io/docs/reference/kubernetes-api/config-and-storage-resources/secret-v1/)
/// and <c>stringData</c> the key, the decoded length and the sha256 of the decoded bytes: enough
/// to tell whether two Secrets, or a Secret and a value found elsewhere, are the same, without the
/// value. Annotations keep their keys, their values replaced by length and sha256: kubectl's
/// <c>kubectl.kubernetes.io/last-applied-configuration</c> holds the whole Secret, values included.
/// managedFields keep their manager, operation and time but not fieldsV1. Any other field is
/// named, not copied. Each value is unescaped and decoded into a buffer of its own that is
/// cleared once hashed.
/// </summary>
internal static class SecretDigest
{
    private static readonly HashSet<string> CopiedMetadata = new(StringComparer.Ordinal)
    {
        "name", "generateName", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp",
        "deletionGracePeriodSeconds", "selfLink", "labels", "ownerReferences", "finalizers",
    };

    private static readonly string[] ManagedFieldsKept = ["manager", "operation", "apiVersion", "time", "fieldsType", "subresource"];

    /// <summary>The digest document of a Secret's JSON; a <see cref="JsonException"/> when it is not a JSON object.</summary>
    /// <param name="source">The call it answered, written into the document.</param>
    public static byte[] Of(ReadOnlyMemory<byte> secret, string source)
    {
        using var document = JsonDocument.Parse(secret);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new JsonException($"the answer is a JSON {root.ValueKind}, not an object");
        }
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, EvidenceJsonOptions.Indented))
        {
            json.WriteStartObject();
            json.WriteString("derivedBy", "cfir");
            json.WriteString("source", source);
            json.WriteString("values", "not stored: for each key of data and stringData, the length of its decoded value and the sha256 (lowercase hex) of the decoded bytes; annotations' values likewise");
            var other = new List<string>();
            foreach (var p in root.EnumerateObject())
            {
                switch (p.Name)
                {
                    case "apiVersion" or "kind" or "type" or "immutable":
                        json.WritePropertyName(p.Name);
                        json.WriteRawValue(JsonMarshal.GetRawUtf8Value(p.Value));
                        break;
                    case "metadata" when p.Value.ValueKind == JsonValueKind.Object:
                        WriteMetadata(json, p.Value);
                        break;
                    case "data" or "stringData" when p.Value.ValueKind == JsonValueKind.Object:
                        json.WriteStartObject(p.Name);
                        foreach (var entry in p.Value.EnumerateObject())
                        {
                            json.WritePropertyName(entry.Name);
                            WriteDigest(json, entry.Value, base64: p.Name == "data");
                        }
                        json.WriteEndObject();
                        break;
                    default:
                        other.Add(p.Name);
                        break;
                }
            }
            if (other.Count > 0)
            {
                json.WriteStartArray("otherFields");
                other.ForEach(json.WriteStringValue);
                json.WriteEndArray();
            }
            json.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteMetadata(Utf8JsonWriter json, JsonElement metadata)
    {
        json.WriteStartObject("metadata");
        var other = new List<string>();
        foreach (var p in metadata.EnumerateObject())
        {
            if (CopiedMetadata.Contains(p.Name))
            {
                json.WritePropertyName(p.Name);
                json.WriteRawValue(JsonMarshal.GetRawUtf8Value(p.Value));
            }
            else if (p.Name == "annotations" && p.Value.ValueKind == JsonValueKind.Object)
            {
                json.WriteStartObject("annotations");
                foreach (var a in p.Value.EnumerateObject())
                {
                    json.WritePropertyName(a.Name);
                    WriteDigest(json, a.Value, base64: false);
                }
                json.WriteEndObject();
            }
            else if (p.Name == "managedFields" && p.Value.ValueKind == JsonValueKind.Array)
            {
                json.WriteStartArray("managedFields");
                foreach (var entry in p.Value.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
                {
                    json.WriteStartObject();
                    foreach (string field in ManagedFieldsKept)
                    {
                        if (entry.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String)
                        {
                            json.WritePropertyName(field);
                            json.WriteRawValue(JsonMarshal.GetRawUtf8Value(v));
                        }
                    }
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            else
            {
                other.Add(p.Name);
            }
        }
        if (other.Count > 0)
        {
            json.WriteStartArray("otherFields");
            other.ForEach(json.WriteStringValue);
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>
    /// {"length": N, "sha256": HEX} of one value: the JSON string unescaped (and base64-decoded
    /// for <c>data</c>) into a buffer that is cleared before it is dropped. A value that is not
    /// valid base64 is hashed as its text and says so.
    /// </summary>
    private static void WriteDigest(Utf8JsonWriter json, JsonElement value, bool base64)
    {
        json.WriteStartObject();
        if (value.ValueKind != JsonValueKind.String)
        {
            json.WriteString("error", $"the value is a JSON {value.ValueKind}, not a string: not hashed");
            json.WriteEndObject();
            return;
        }
        var reader = new Utf8JsonReader(JsonMarshal.GetRawUtf8Value(value));
        reader.Read();
        byte[] plain = new byte[reader.ValueSpan.Length];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        try
        {
            var bytes = plain.AsSpan(0, reader.CopyString(plain));
            if (base64)
            {
                SHA256.HashData(bytes, hash);
                int textLength = bytes.Length;
                if (Base64.DecodeFromUtf8InPlace(bytes, out int decoded) != OperationStatus.Done)
                {
                    json.WriteString("error", "the value is not valid base64: length and sha256 are of its text");
                    json.WriteNumber("length", textLength);
                    json.WriteString("sha256", Convert.ToHexStringLower(hash));
                    json.WriteEndObject();
                    return;
                }
                bytes = bytes[..decoded];
            }
            SHA256.HashData(bytes, hash);
            json.WriteNumber("length", bytes.Length);
            json.WriteString("sha256", Convert.ToHexStringLower(hash));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
        json.WriteEndObject();
    }
}
