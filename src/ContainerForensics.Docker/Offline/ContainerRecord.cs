using System.Text.Json;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Filesystem;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// A container as dockerd keeps it on disk: <c>containers/&lt;id&gt;/config.v2.json</c> (the
/// container: name, image, state, labels, mounts, log path) and <c>hostconfig.json</c> (its log
/// driver). Parsed leniently, field by field (a field of the wrong type reads as absent); the
/// files themselves are collected byte-exact.
/// </summary>
internal sealed record ContainerRecord
{
    /// <summary>The directory's name, checked to be an id: what paths are built from.</summary>
    public required string Id { get; init; }

    /// <summary>The ID the file says; another value than the directory's is recorded.</summary>
    public string? ConfigId { get; init; }

    /// <summary>Without Docker's leading "/".</summary>
    public string? Name { get; init; }

    /// <summary>The image as the container was created from it (Config.Image), e.g. "busybox:latest".</summary>
    public string? ImageName { get; init; }

    /// <summary>"sha256:..." (Image).</summary>
    public string? ImageId { get; init; }

    /// <summary>Docker's state word, derived from State as dockerd derives it (running, paused, restarting, removing, dead, created, exited).</summary>
    public required string State { get; init; }

    public DateTimeOffset? Created { get; init; }

    /// <summary>Created as the file writes it (RFC 3339 with nanoseconds).</summary>
    public string? CreatedAsWritten { get; init; }

    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>The storage driver (Driver): overlay2, ...</summary>
    public string? Driver { get; init; }

    /// <summary>LogPath: set for json-file only.</summary>
    public string? LogPath { get; init; }

    /// <summary>HostConfig.LogConfig.Type from hostconfig.json: json-file, local, journald, ...</summary>
    public string? LogDriver { get; init; }

    public bool Tty { get; init; }

    public IReadOnlyList<ContainerMount> Mounts { get; init; } = [];

    /// <summary>What of the documents could not be read (hostconfig.json missing, an id that is not the directory's).</summary>
    public IReadOnlyList<string> Problems { get; init; } = [];

    /// <summary>Reads the container in <c>containers/&lt;id&gt;</c>; null with why when config.v2.json cannot be read as a container.</summary>
    public static ContainerRecord? Read(DataRoot root, string id, out string? problem)
    {
        using var config = root.ReadJson($"containers/{id}/config.v2.json", out problem);
        if (config is null)
        {
            return null;
        }
        var c = config.RootElement;
        if (c.ValueKind != JsonValueKind.Object)
        {
            problem = $"{root.Image.Show(root.Of($"containers/{id}/config.v2.json"))} is JSON but not an object";
            return null;
        }
        var problems = new List<string>();
        string? configId = Json.String(c, "ID");
        if (configId != id)
        {
            problems.Add($"config.v2.json says ID '{DockerIds.Show(configId ?? "(none)")}', not its directory's {id}: the directory's name is used");
        }
        string? logDriver = null;
        using (var host = root.ReadJson($"containers/{id}/hostconfig.json", out string? hostProblem))
        {
            if (host is null)
            {
                problems.Add("hostconfig.json not read: " + hostProblem);
            }
            else if (Json.Object(host.RootElement, "LogConfig") is { } log)
            {
                logDriver = Json.String(log, "Type");
            }
        }
        var cfg = Json.Object(c, "Config");
        string? name = Json.String(c, "Name")?.TrimStart('/');
        return new ContainerRecord
        {
            Id = id,
            ConfigId = configId,
            Name = string.IsNullOrEmpty(name) ? null : name,
            ImageName = cfg is { } a ? Json.String(a, "Image") : null,
            ImageId = Json.String(c, "Image"),
            State = StateOf(Json.Object(c, "State")),
            Created = Json.Time(c, "Created"),
            CreatedAsWritten = Json.String(c, "Created"),
            Labels = cfg is { } b ? Json.StringMap(b, "Labels") : new Dictionary<string, string>(),
            Driver = Json.String(c, "Driver"),
            LogPath = Json.String(c, "LogPath") is { Length: > 0 } lp ? lp : null,
            LogDriver = logDriver,
            Tty = cfg is { } t && Json.Bool(t, "Tty") == true,
            Mounts = MountsOf(c),
            Problems = problems,
        };
    }

    /// <summary>moby's State.StateString(): the word docker ps shows, from the flags the file keeps.</summary>
    public static string StateOf(JsonElement? state)
    {
        if (state is not { } s)
        {
            return "unknown";
        }
        if (Json.Bool(s, "Running") == true)
        {
            return Json.Bool(s, "Paused") == true ? "paused" : Json.Bool(s, "Restarting") == true ? "restarting" : "running";
        }
        if (Json.Bool(s, "RemovalInProgress") == true)
        {
            return "removing";
        }
        if (Json.Bool(s, "Dead") == true)
        {
            return "dead";
        }
        var started = Json.String(s, "StartedAt");
        return started is null || started.StartsWith("0001-01-01", StringComparison.Ordinal) ? "created" : "exited";
    }

    /// <summary>MountPoints: destination → {Type, Name, Source, Destination, Driver}; volumes, binds, tmpfs as the daemon recorded them.</summary>
    private static List<ContainerMount> MountsOf(JsonElement config)
    {
        var mounts = new List<ContainerMount>();
        if (Json.Object(config, "MountPoints") is not { } points)
        {
            return mounts;
        }
        foreach (var p in points.EnumerateObject())
        {
            var m = p.Value;
            mounts.Add(new ContainerMount
            {
                Type = Json.String(m, "Type"),
                Name = Json.String(m, "Name"),
                Source = Json.String(m, "Source"),
                Destination = Json.String(m, "Destination") ?? p.Name,
                Driver = Json.String(m, "Driver"),
            });
        }
        mounts.Sort((a, b) => string.CompareOrdinal(a.Destination, b.Destination));
        return mounts;
    }
}
