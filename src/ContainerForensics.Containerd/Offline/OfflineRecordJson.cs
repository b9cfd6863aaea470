using System.Security.Cryptography;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using Google.Protobuf.WellKnownTypes;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// The per-container documents of a dead-box containerd collection:
/// <list type="bullet">
/// <item><c>container-record.json</c>: the meta.db record decoded (image, runtime and its options,
/// the spec's type and digest, snapshotter and key, sandbox id, times as UTC with nanoseconds,
/// labels, extensions with the CRI plugin's JSON embedded), what did not decode, the state and
/// how it was decided, and <c>raw</c>: every key and value of the bucket as stored (base64);</item>
/// <item><c>remnant.json</c>: a remnant's findings, each with why no record owns it.</item>
/// </list>
/// </summary>
internal static class OfflineRecordJson
{
    private static readonly JsonWriterOptions Indented = new() { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static byte[] Record(OfflineContainer container, string metaDbShown)
    {
        var r = container.Record!;
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("source", $"{metaDbShown} bucket v1/{r.Namespace}/containers/{r.Id}");
            w.WriteString("namespace", r.Namespace);
            w.WriteString("id", r.Id);
            w.WriteString("image", r.Image);
            w.WriteStartObject("runtime");
            w.WriteString("name", r.RuntimeName);
            w.WritePropertyName("options");
            WriteAny(w, r.RuntimeOptions, embedJson: false);
            w.WriteEndObject();
            w.WritePropertyName("spec");
            if (r.Spec is { } spec)
            {
                w.WriteStartObject();
                w.WriteString("@type", spec.TypeUrl);
                w.WriteNumber("valueBytes", spec.Value.Length);
                w.WriteString("valueSha256", Convert.ToHexStringLower(SHA256.HashData(spec.Value.Span)));
                w.WriteString("evidence", "spec.json holds the value's bytes");
                w.WriteEndObject();
            }
            else
            {
                w.WriteNullValue();
            }
            w.WriteString("snapshotter", r.Snapshotter);
            w.WriteString("snapshotKey", r.SnapshotKey);
            w.WriteString("sandboxId", r.SandboxId);
            WriteTime(w, "createdAt", r.CreatedAt);
            WriteTime(w, "updatedAt", r.UpdatedAt);
            w.WriteStartObject("labels");
            foreach (var (k, v) in r.Labels.OrderBy(l => l.Key, StringComparer.Ordinal))
            {
                w.WriteString(k, v);
            }
            w.WriteEndObject();
            w.WriteStartObject("extensions");
            foreach (var (name, any) in r.Extensions)
            {
                w.WritePropertyName(name);
                WriteAny(w, any, embedJson: true);
            }
            w.WriteEndObject();
            w.WriteString("state", container.Info.State);
            w.WriteString("stateWhy", container.StateWhy);
            w.WriteStartArray("problems");
            foreach (var p in r.Problems)
            {
                w.WriteStringValue(p);
            }
            w.WriteEndArray();
            w.WritePropertyName("raw");
            int budget = BoltJson.MaxEntries;
            BoltJson.WriteRaw(w, r.Bucket, ref budget);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public static byte[] Remnant(OfflineContainer container, ContainerdDataRoot root)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, Indented))
        {
            w.WriteStartObject();
            w.WriteString("dataRoot", root.Root);
            w.WriteString("namespace", container.Info.RuntimeNamespace);
            w.WriteString("key", container.Info.Id);
            w.WriteString("state", container.Info.State);
            w.WriteStartArray("orphaned");
            foreach (var why in container.Orphaned)
            {
                w.WriteStringValue(why);
            }
            w.WriteEndArray();
            if (container.Snapshot is { } s)
            {
                w.WriteStartObject("snapshot");
                w.WriteString("snapshotter", s.Snapshotter);
                w.WriteString("key", s.Entry.Key);
                if (s.Entry.Id is { } id)
                {
                    w.WriteNumber("id", id);
                    w.WriteString("files", root.SnapshotFiles(s.Snapshotter, id));
                }
                w.WriteString("kind", s.Entry.KindName);
                w.WriteString("parent", s.Entry.Parent);
                WriteTime(w, "createdAt", s.Entry.CreatedAt);
                WriteTime(w, "updatedAt", s.Entry.UpdatedAt);
                w.WriteEndObject();
            }
            w.WriteString("bareSnapshotDirectory", container.BareSnapshotDirectory);
            w.WriteString("logFolder", container.LogFolder);
            w.WriteString("kubeletPodFolder", container.KubeletPodFolder);
            w.WriteString("criCheckpoint", container.CriCheckpoint);
            w.WriteString("taskWork", container.TaskWork);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    /// <summary>An Any as <c>{"@type", "value": base64}</c>, plus <c>"json"</c>: the value parsed, when asked and it is JSON (the CRI plugin's extensions are).</summary>
    private static void WriteAny(Utf8JsonWriter w, Any? any, bool embedJson)
    {
        if (any is null)
        {
            w.WriteNullValue();
            return;
        }
        w.WriteStartObject();
        w.WriteString("@type", any.TypeUrl);
        w.WriteBase64String("value", any.Value.Span);
        if (embedJson && any.Value.Length > 0 && any.Value.Span[0] == (byte)'{')
        {
            try
            {
                using var doc = JsonDocument.Parse(any.Value.Memory, new JsonDocumentOptions { MaxDepth = 64 });
                w.WritePropertyName("json");
                doc.RootElement.WriteTo(w);
            }
            catch (JsonException)
            {
                // not JSON after all: the base64 value is the evidence
            }
        }
        w.WriteEndObject();
    }

    public static void WriteTime(Utf8JsonWriter w, string name, UnixTime? time)
    {
        if (time is { } t)
        {
            w.WriteString(name, t.ToIso8601());
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
