using System.Text.Json;
using System.Text.Json.Nodes;
using ContainerForensics.Containerd.Api;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Containerd;

/// <summary>
/// containerd responses as evidence JSON: the protobuf JSON mapping
/// (https://protobuf.dev/programming-guides/proto3/#json: lowerCamelCase names, RFC 3339
/// timestamps with nanoseconds, enum names), default values written out so a zero pid or exit
/// status is visible, indented. <c>google.protobuf.Any</c> values whose type cfir has no schema
/// for (the OCI spec, runc options, client extensions) cannot go through the JSON mapping; they
/// are written as <c>{"@type": url, "value": base64 of the raw bytes}</c>, byte-exact.
/// </summary>
internal static class ContainerdJson
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    private static readonly JsonSerializerOptions Output = EvidenceJsonOptions.Serializer();

    public static byte[] Format(IMessage message) => Serialize(ToNode(message));

    /// <summary>The message in the JSON mapping, as a tree to adjust before <see cref="Serialize"/>.</summary>
    public static JsonNode ToNode(IMessage message) => JsonNode.Parse(Formatter.Format(message))!;

    /// <summary>A Containers.Get response, its <c>Any</c> fields written raw.</summary>
    public static byte[] Format(GetContainerResponse response)
    {
        if (response.Container is not { } container)
        {
            return Format((IMessage)response);
        }
        var copy = container.Clone();
        copy.Spec = null;
        copy.Runtime?.Options = null;
        copy.Extensions.Clear();
        var json = JsonNode.Parse(Formatter.Format(new GetContainerResponse { Container = copy }))!;
        var c = json["container"]!.AsObject();
        c["spec"] = RawAny(container.Spec);
        if (c["runtime"] is JsonObject runtime)
        {
            runtime["options"] = RawAny(container.Runtime?.Options);
        }
        var extensions = new JsonObject();
        foreach (var (key, value) in container.Extensions.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            extensions[key] = RawAny(value);
        }
        c["extensions"] = extensions;
        json["container"] = InFieldOrder(c, Container.Descriptor);
        return Serialize(json);
    }

    /// <summary>The object's members in the order of the message's field numbers, as the formatter writes them.</summary>
    private static JsonObject InFieldOrder(JsonObject obj, Google.Protobuf.Reflection.MessageDescriptor descriptor)
    {
        var ordered = new JsonObject();
        var names = descriptor.Fields.InFieldNumberOrder().Select(f => f.JsonName).ToList();
        foreach (var name in names.Concat(obj.Select(p => p.Key).Where(k => !names.Contains(k))).ToList())
        {
            if (obj.Remove(name, out var value))
            {
                ordered[name] = value;
            }
        }
        return ordered;
    }

    public static JsonNode? RawAny(Any? any) => any is null
        ? null
        : new JsonObject
        {
            ["@type"] = any.TypeUrl,
            ["value"] = Convert.ToBase64String(any.Value.Span),
        };

    public static byte[] Serialize(JsonNode node) => JsonSerializer.SerializeToUtf8Bytes(node, Output);
}
