namespace ContainerForensics.Docker.Api;

/// <summary>
/// <c>GET /containers/{id}/json</c>: the raw document (kept byte-exact as evidence) and typed
/// reads of the fields collection needs. Anything else: read <see cref="DockerJson.Root"/>.
/// </summary>
public sealed class ContainerInspect
{
    public ContainerInspect(DockerJson raw) => Raw = raw;

    public DockerJson Raw { get; }

    public string? Id => Json.String(Raw.Root, "Id");

    /// <summary>As the daemon sends it, with the leading '/' (Docker and Podman's compat API alike).</summary>
    public string? Name => Json.String(Raw.Root, "Name");

    /// <summary>State.Status: created, running, paused, restarting, removing, exited, dead.</summary>
    public string? State => Json.Object(Raw.Root, "State") is { } s ? Json.String(s, "Status") : null;

    /// <summary>State.Pid: the host pid of the container's init; null (not 0) when not running.</summary>
    public int? Pid => Json.Object(Raw.Root, "State") is { } s && Json.Int64(s, "Pid") is { } pid and > 0 and <= int.MaxValue ? (int)pid : null;

    /// <summary>Config.Tty: whether logs come raw (TTY) or multiplexed.</summary>
    public bool? Tty => Json.Object(Raw.Root, "Config") is { } c ? Json.Bool(c, "Tty") : null;

    /// <summary>Creation time with nanoseconds cut to 100 ns (the raw document keeps all digits).</summary>
    public DateTimeOffset? Created => Json.Time(Raw.Root, "Created");
}
