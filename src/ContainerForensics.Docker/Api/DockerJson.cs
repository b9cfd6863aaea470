using System.Text.Json;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// One JSON answer of a daemon: the body byte-exact as received (that is the evidence), a
/// parsed view of it, which call produced it and when it arrived.
/// </summary>
public sealed class DockerJson
{
    internal DockerJson(string call, byte[] bytes, JsonElement root, UnixTime receivedAt, IReadOnlyDictionary<string, string> headers)
    {
        Call = call;
        Bytes = bytes;
        Root = root;
        ReceivedAt = receivedAt;
        Headers = headers;
    }

    /// <summary>Method and path as sent, e.g. <c>GET /v1.41/containers/0123.../json</c>.</summary>
    public string Call { get; }

    /// <summary>The response body exactly as the daemon sent it (after HTTP framing only).</summary>
    public ReadOnlyMemory<byte> Bytes { get; }

    /// <summary>The parsed body; detached from any document, safe to keep.</summary>
    public JsonElement Root { get; }

    /// <summary>When the whole body had arrived, from the injected clock.</summary>
    public UnixTime ReceivedAt { get; }

    /// <summary>Response headers (names as sent, case-insensitive lookup), e.g. Api-Version, Server.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }
}
