using System.Text.Json;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// The inspect document's <c>GraphDriver</c>: which storage driver holds the container's
/// filesystem and, for overlay, its host directories. Docker names the driver "overlay2",
/// Podman (containers/storage) "overlay"; both fill <c>Data.UpperDir</c> (the writable layer),
/// <c>Data.MergedDir</c> (the mounted root, while mounted), <c>Data.LowerDir</c> (image layers,
/// ':'-separated, topmost first) and <c>Data.WorkDir</c>. Docker 25+ with the containerd image
/// store sends no GraphDriver at all.
/// </summary>
internal sealed record GraphDriver
{
    public string? Name { get; init; }

    public string? UpperDir { get; init; }

    public string? MergedDir { get; init; }

    /// <summary>The image's layers as mounted below the upper one, topmost first.</summary>
    public IReadOnlyList<string> LowerDirs { get; init; } = [];

    /// <summary>Both engines' overlayfs drivers: the upper directory is the writable layer as the kernel keeps it.</summary>
    public bool IsOverlay => Name is "overlay2" or "overlay";

    /// <summary>Null when inspect has no GraphDriver object.</summary>
    public static GraphDriver? From(ContainerInspect inspect)
    {
        if (Json.Object(inspect.Raw.Root, "GraphDriver") is not { } g)
        {
            return null;
        }
        var data = Json.Object(g, "Data");
        string? lower = data is { } d ? Json.String(d, "LowerDir") : null;
        return new GraphDriver
        {
            Name = Json.String(g, "Name"),
            UpperDir = NonEmpty(data, "UpperDir"),
            MergedDir = NonEmpty(data, "MergedDir"),
            LowerDirs = string.IsNullOrEmpty(lower) ? [] : lower.Split(':', StringSplitOptions.RemoveEmptyEntries),
        };
    }

    private static string? NonEmpty(JsonElement? data, string name) =>
        data is { } d && Json.String(d, name) is { Length: > 0 } s ? s : null;
}
