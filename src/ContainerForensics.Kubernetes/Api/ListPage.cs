using System.Text.Json;

namespace ContainerForensics.Kubernetes.Api;

/// <summary>
/// One page of a list as the server sent it: its bytes (the evidence) and the parsed document
/// (for decisions: its items and its continue token). The caller disposes it.
/// </summary>
public sealed class ListPage(byte[] bytes, JsonDocument document, int number, int attempt) : IDisposable
{
    public byte[] Bytes { get; } = bytes;

    public JsonDocument Document { get; } = document;

    /// <summary>1 for the first page of an attempt.</summary>
    public int Number { get; } = number;

    /// <summary>1, or more after a 410 Gone on a continue token restarted the list from its start.</summary>
    public int Attempt { get; } = attempt;

    /// <summary>The server's continue token: more pages follow.</summary>
    public string? Continue =>
        Document.RootElement.TryGetProperty("metadata", out var m) && m.TryGetProperty("continue", out var c) && c.ValueKind == JsonValueKind.String && c.GetString() is { Length: > 0 } token
            ? token : null;

    /// <summary>The version the list was read at (metadata.resourceVersion): where a watch of it starts.</summary>
    public string? ResourceVersion =>
        Document.RootElement.TryGetProperty("metadata", out var m) && m.TryGetProperty("resourceVersion", out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } version
            ? version : null;

    public IEnumerable<JsonElement> Items =>
        Document.RootElement.TryGetProperty("items", out var items) && items.ValueKind == JsonValueKind.Array ? items.EnumerateArray() : [];

    public void Dispose() => Document.Dispose();
}
