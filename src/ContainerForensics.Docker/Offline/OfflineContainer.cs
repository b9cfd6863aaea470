using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// A container found in a data root: one with its record (config.v2.json), or a remnant that no
/// container record owns any more (<see cref="RemnantWhy"/>): a container folder without a
/// readable record, a writable layer whose container is gone, or a layer directory nothing refers
/// to. Remnants are listed and collected as containers of their own, named "remnant", state "removed".
/// </summary>
internal sealed record OfflineContainer
{
    /// <summary>The state of a remnant (as the containerd and Podman dead-box runtimes name theirs).</summary>
    public const string Removed = "removed";

    /// <summary>The name of a remnant: its folder is remnant_&lt;id12&gt;.</summary>
    public const string Remnant = "remnant";

    /// <summary>The container id (a directory name checked for its shape), or a remnant layer's directory name.</summary>
    public required string Id { get; init; }

    public ContainerRecord? Record { get; init; }

    /// <summary>Its layers in the layer store, when it has any there.</summary>
    public ContainerMountLayers? Mount { get; init; }

    /// <summary>Null for a container with its record; else why cfir takes it for a remnant.</summary>
    public string? RemnantWhy { get; init; }

    /// <summary>A remnant that is only a layer directory (under the driver's folder): its name there.</summary>
    public string? RemnantLayer { get; init; }

    /// <summary>Whether <c>containers/&lt;id&gt;</c> exists for it.</summary>
    public bool HasFolder { get; init; }

    public ContainerInfo ToInfo(string runtime) => new()
    {
        Runtime = runtime,
        Id = Id,
        Name = Record?.Name ?? (RemnantWhy is null ? null : Remnant),
        Image = Record?.ImageName,
        State = Record?.State ?? Removed,
        Created = Record?.Created,
        Labels = Record?.Labels ?? new Dictionary<string, string>(),
    };
}
