using System.Text.Json;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// What the CRI plugin (containerd 1.x, pkg/cri/store/{container,sandbox}/metadata.go) keeps of a
/// container or sandbox in its meta.db extension: <c>{"Version":"v1","Metadata":{...}}</c> whose
/// Metadata has the container's <c>LogPath</c> (the file the kubelet asked for) and a sandbox's
/// <c>Config.log_directory</c> (the pod's folder under /var/log/pods). Only what the dead-box
/// reader needs to find files is taken from it; the whole document is in the container's record.
/// </summary>
internal sealed record CriMetadata(string? LogPath, string? LogDirectory)
{
    public static CriMetadata? Parse(byte[]? json)
    {
        if (json is null)
        {
            return null;
        }
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object || !doc.RootElement.TryGetProperty("Metadata", out var m) || m.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            string? logPath = String(m, "LogPath");
            string? logDirectory = m.TryGetProperty("Config", out var config) && config.ValueKind == JsonValueKind.Object
                ? String(config, "log_directory") ?? String(config, "logDirectory")
                : null;
            return new CriMetadata(logPath, logDirectory);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string? String(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s ? s : null;
}
