using System.Text.Json;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>Writes a nesting chain and the descents with <see cref="NestingFields"/>' names, the same wherever they appear.</summary>
public static class NestingJson
{
    /// <summary>The chain of <paramref name="link"/> under <see cref="NestingFields.NestedIn"/>, outermost first; nothing when it is null.</summary>
    public static void WriteChain(Utf8JsonWriter json, NestingLink? link)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (link is null)
        {
            return;
        }
        json.WritePropertyName(NestingFields.NestedIn);
        WriteChainValue(json, link);
    }

    /// <summary>The chain as an array value, outermost first.</summary>
    public static void WriteChainValue(Utf8JsonWriter json, NestingLink link)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(link);
        json.WriteStartArray();
        foreach (var l in link.Chain)
        {
            json.WriteStartObject();
            json.WriteString(NestingFields.InLink.Runtime, l.HostContainer.Runtime);
            json.WriteString(NestingFields.InLink.Endpoint, l.HostEndpoint);
            if (l.HostContainer.RuntimeNamespace is { } ns)
            {
                json.WriteString(NestingFields.InLink.Namespace, ns);
            }
            json.WriteString(NestingFields.InLink.ContainerId, l.HostContainer.Id);
            if (l.HostName is { } name)
            {
                json.WriteString(NestingFields.InLink.ContainerName, name);
            }
            json.WriteNumber(NestingFields.InLink.HostPid, l.HostPid);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>One runtime's descent, as an object.</summary>
    public static void WriteDescent(Utf8JsonWriter json, RuntimeDescent descent)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(descent);
        json.WriteStartObject();
        json.WriteString(NestingFields.InDescent.Runtime, descent.Runtime);
        json.WriteString(NestingFields.InDescent.Endpoint, descent.Endpoint);
        WriteChain(json, descent.Nesting);
        json.WriteNumber(NestingFields.InDescent.Depth, descent.Depth);
        if (descent.NotDescended is { } why)
        {
            json.WriteString(NestingFields.InDescent.NotDescended, why);
        }
        json.WriteStartArray(NestingFields.InDescent.Containers);
        foreach (var c in descent.Containers)
        {
            json.WriteStartObject();
            json.WriteString(NestingFields.InContainer.Id, c.Container.Id);
            WriteOptional(json, NestingFields.InContainer.Name, c.Container.Name);
            WriteOptional(json, NestingFields.InContainer.Namespace, c.Container.RuntimeNamespace);
            json.WriteString(NestingFields.InContainer.State, c.Container.State);
            WriteOptional(json, NestingFields.InContainer.RuntimePid, c.RuntimePid);
            WriteOptional(json, NestingFields.InContainer.HostPid, c.HostPid);
            WriteOptional(json, NestingFields.InContainer.PidTranslation, c.PidTranslation);
            WriteOptional(json, NestingFields.InContainer.NotDescended, c.NotDescended);
            json.WriteStartArray(NestingFields.InContainer.Sockets);
            foreach (var s in c.Sockets)
            {
                json.WriteStartObject();
                json.WriteString(NestingFields.InSocket.LookedForBy, s.LookedForBy);
                json.WriteString(NestingFields.InSocket.Path, s.Path);
                json.WriteString(NestingFields.InSocket.Endpoint, s.Endpoint);
                json.WriteBoolean(NestingFields.InSocket.Found, s.Found);
                json.WriteBoolean(NestingFields.InSocket.Answered, s.Answered);
                WriteOptional(json, NestingFields.InSocket.AnsweredAs, s.AnsweredAs);
                WriteOptional(json, NestingFields.InSocket.Version, s.Version);
                WriteOptional(json, NestingFields.InSocket.Locality, s.Locality);
                json.WriteBoolean(NestingFields.InSocket.Nested, s.Nested);
                WriteOptional(json, NestingFields.InSocket.Reason, s.Reason);
                json.WriteEndObject();
            }
            json.WriteEndArray();
            json.WriteEndObject();
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>A chain as a JSON value (cfir list builds its document from values), or null.</summary>
    public static JsonElement? ChainElement(NestingLink? link) => link is null ? null : Element(json => WriteChainValue(json, link));

    /// <summary>One runtime's descent as a JSON value.</summary>
    public static JsonElement DescentElement(RuntimeDescent descent) => Element(json => WriteDescent(json, descent));

    private static JsonElement Element(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            write(json);
        }
        using var doc = JsonDocument.Parse(buffer.ToArray());
        return doc.RootElement.Clone();
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static void WriteOptional(Utf8JsonWriter json, string name, int? value)
    {
        if (value is { } v)
        {
            json.WriteNumber(name, v);
        }
    }
}
