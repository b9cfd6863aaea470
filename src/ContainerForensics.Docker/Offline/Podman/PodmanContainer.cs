using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>What made cfir list a container of a Podman data root.</summary>
internal enum PodmanContainerKind
{
    /// <summary>libpod's database has it (usually with its c/storage record too).</summary>
    Libpod,
    /// <summary>Only c/storage has it: a container of another tool (buildah), <c>podman ps --external</c>.</summary>
    External,
    /// <summary>Only directories are left (a writable layer, a container folder) that no record owns: a removed container's.</summary>
    Remnant,
}

/// <summary>
/// One container of a data root as cfir joined it: libpod's records, c/storage's record, and
/// the directories on disk, by id. For a remnant, <see cref="RemnantWhy"/> says why cfir thinks
/// nothing owns it any more.
/// </summary>
internal sealed class PodmanContainer
{
    public required string Id { get; init; }

    public required PodmanContainerKind Kind { get; init; }

    public LibpodContainerRecord? Libpod { get; init; }

    public LibpodContainerFacts? Facts { get; init; }

    public StorageContainer? Storage { get; init; }

    /// <summary>The writable layer: c/storage's record, or for a remnant the layer directory it was tied to.</summary>
    public string? LayerId { get; init; }

    /// <summary>Whether <c>&lt;driver&gt;-containers/&lt;id&gt;</c> is in the image.</summary>
    public bool HasContainerDir { get; init; }

    public string? RemnantWhy { get; init; }

    public string? PodName { get; init; }

    public string? ImageId => Storage?.Image ?? (Facts?.RootfsImageId is { } id && PodmanIds.IsId(id) ? id : null);

    public string? Name => Facts?.Name ?? Libpod?.Name ?? Storage?.Names.FirstOrDefault();

    /// <summary>
    /// The state recorded: libpod's, in the live listing's words; "external" for a container of
    /// another tool, "removed" for a remnant.
    /// </summary>
    public string State => Kind switch
    {
        PodmanContainerKind.Libpod => Facts?.State ?? "unknown",
        PodmanContainerKind.External => "external",
        _ => "removed",
    };

    /// <summary>What a remnant is listed as (its folder "remnant_&lt;id12&gt;"), as containerd's dead-box remnants are.</summary>
    public const string RemnantName = "remnant";

    public ContainerInfo ToInfo() => new()
    {
        Runtime = "podman",
        Id = Id,
        Name = Kind == PodmanContainerKind.Remnant ? RemnantName : Name,
        Image = Facts?.RootfsImageName ?? Facts?.RawImageName ?? ImageId,
        State = State,
        Created = Facts?.Created ?? Storage?.Created,
        Labels = Facts?.Labels ?? new Dictionary<string, string>(),
        PodmanPod = PodName,
    };
}
