using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// One entry of the inspect document's <c>Mounts</c>: <c>Type</c> "volume" (a named or anonymous
/// volume; <c>Source</c> is its host directory, <c>.../volumes/NAME/_data</c> on both engines),
/// "bind" (a host path), "tmpfs", ...
/// </summary>
internal sealed record ContainerMount
{
    public string? Type { get; init; }

    public string? Name { get; init; }

    public string? Source { get; init; }

    public string? Destination { get; init; }

    public string? Driver { get; init; }

    public bool IsVolume => Type == "volume";

    public static IReadOnlyList<ContainerMount> From(ContainerInspect inspect) =>
        Json.Array(inspect.Raw.Root, "Mounts")
            .Select(m => new ContainerMount
            {
                Type = Json.String(m, "Type"),
                Name = Json.String(m, "Name"),
                Source = Json.String(m, "Source"),
                Destination = Json.String(m, "Destination"),
                Driver = Json.String(m, "Driver"),
            })
            .ToList();
}
