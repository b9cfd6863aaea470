using System.Text.Json;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// What cfir reads out of a container's libpod ContainerConfig and ContainerState documents
/// (libpod/container_config.go, libpod/container.go; JSON names checked against v4.3.1): enough
/// to list the container and find its files. The documents themselves go into the archive as
/// they are; a field of the wrong type reads as absent.
/// </summary>
internal sealed record LibpodContainerFacts
{
    public string? Name { get; init; }

    public string? PodId { get; init; }

    public string? RootfsImageId { get; init; }

    public string? RootfsImageName { get; init; }

    public string? RawImageName { get; init; }

    /// <summary>A container made from a directory (<c>--rootfs</c>), not an image: no layers of c/storage.</summary>
    public string? Rootfs { get; init; }

    public DateTimeOffset? Created { get; init; }

    public string? LogPath { get; init; }

    public string? LogDriver { get; init; }

    public string? StaticDir { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The OCI spec's process.terminal: a TTY container's log has one stream.</summary>
    public bool? Terminal { get; init; }

    public IReadOnlyList<NamedVolume> NamedVolumes { get; init; } = [];

    /// <summary>The OCI spec's mounts (destination, type, source), for the record of what is not collected.</summary>
    public IReadOnlyList<(string? Destination, string? Type, string? Source)> SpecMounts { get; init; } = [];

    /// <summary>ContainerState.state: libpod's ContainerStatus number (define/containerstate.go).</summary>
    public int? StateNumber { get; init; }

    public DateTimeOffset? Started { get; init; }

    public DateTimeOffset? Finished { get; init; }

    public long? ExitCode { get; init; }

    public long? Pid { get; init; }

    /// <summary>What was wrong with the documents, if anything.</summary>
    public List<string> Problems { get; } = [];

    public sealed record NamedVolume(string Name, string? Destination, IReadOnlyList<string> Options);

    public static LibpodContainerFacts Read(LibpodContainerRecord record)
    {
        string? configProblem = null;
        string? stateProblem = null;
        JsonDocument? config = record.Config is { } c ? ImageFiles.Parse(c, $"the ContainerConfig of {record.Id}", out configProblem) : null;
        JsonDocument? state = record.State is { } s ? ImageFiles.Parse(s, $"the ContainerState of {record.Id}", out stateProblem) : null;
        using (config)
        using (state)
        {
            var cfg = config?.RootElement ?? default;
            var st = state?.RootElement ?? default;
            var spec = Json.Object(cfg, "spec");
            var facts = new LibpodContainerFacts
            {
                Name = Json.String(cfg, "name") ?? record.Name,
                PodId = Json.String(cfg, "pod") is { Length: > 0 } pod ? pod : record.PodId,
                RootfsImageId = Json.String(cfg, "rootfsImageID"),
                RootfsImageName = Json.String(cfg, "rootfsImageName"),
                RawImageName = Json.String(cfg, "RawImageName"),
                Rootfs = Json.String(cfg, "rootfs") is { Length: > 0 } rootfs ? rootfs : null,
                Created = Json.Time(cfg, "createdTime"),
                LogPath = Json.String(cfg, "logPath"),
                LogDriver = Json.String(cfg, "logDriver"),
                StaticDir = Json.String(cfg, "staticDir"),
                Labels = Json.StringMap(cfg, "labels"),
                Terminal = spec is { } sp && Json.Object(sp, "process") is { } process ? Json.Bool(process, "terminal") : null,
                NamedVolumes = Json.Array(cfg, "namedVolumes")
                    .Where(v => Json.String(v, "volumeName") is { Length: > 0 })
                    .Select(v => new NamedVolume(Json.String(v, "volumeName")!, Json.String(v, "dest"), Json.Strings(v, "options")))
                    .ToList(),
                SpecMounts = spec is { } sm
                    ? Json.Array(sm, "mounts").Select(m => (Json.String(m, "destination"), Json.String(m, "type"), Json.String(m, "source"))).ToList()
                    : [],
                StateNumber = Json.Int64(st, "state") is { } n and >= int.MinValue and <= int.MaxValue ? (int)n : null,
                Started = NonZero(Json.Time(st, "startedTime")),
                Finished = NonZero(Json.Time(st, "finishedTime")),
                ExitCode = Json.Int64(st, "exitCode"),
                Pid = Json.Int64(st, "pid"),
            };
            if (record.Config is null)
            {
                facts.Problems.Add("no ContainerConfig");
            }
            else if (config is null)
            {
                facts.Problems.Add(configProblem!);
            }
            if (record.State is null)
            {
                facts.Problems.Add("no ContainerState");
            }
            else if (state is null)
            {
                facts.Problems.Add(stateProblem!);
            }
            return facts;
        }
    }

    /// <summary>
    /// The state in the words the live listing uses (<see cref="Runtime.DockerRuntime"/>: Podman's
    /// compat list), so that <c>--running</c> and the folders agree with a live collection
    /// (<see cref="LibpodStatus"/>).
    /// </summary>
    public string State => LibpodStatus.CompatName(StateNumber);

    /// <summary>libpod's own word for the state, for records.</summary>
    public string LibpodState => StateNumber switch
    {
        0 => "unknown",
        1 => "configured",
        2 => "created",
        3 => "running",
        4 => "stopped",
        5 => "paused",
        6 => "exited",
        7 => "removing",
        8 => "stopping",
        null => "(not recorded)",
        _ => $"bad state {StateNumber}",
    };

    /// <summary>Go writes the zero time (0001-01-01) for "never".</summary>
    private static DateTimeOffset? NonZero(DateTimeOffset? t) => t is { Year: > 1 } ? t : null;
}
