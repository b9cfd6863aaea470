namespace ContainerForensics.Docker.Api;

/// <summary>
/// What runs in a container now: top and stats
/// (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Container/operation/ContainerTop,
/// #operation/ContainerStats). One method per endpoint.
/// </summary>
public sealed class ContainerStateApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal ContainerStateApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary>
    /// <c>GET /containers/{id}/top[?ps_args=]</c>, raw: <c>{"Titles": [...], "Processes": [[...], ...]}</c>.
    /// <para>
    /// Docker runs the host's <c>ps</c> (default arguments <c>-ef</c>) and keeps the processes of
    /// the container's cgroup: host pids, nothing runs inside the container, and a paused
    /// container is listed too.
    /// </para>
    /// <para>
    /// Podman 4.3 reads /proc itself (psgo) when every comma-separated <paramref name="psArgs"/>
    /// word is a psgo descriptor; for anything else, the default included, it EXECS <c>ps</c>
    /// INSIDE the container (an exec and exec_died event, the container's own, maybe trojaned,
    /// binary). Callers for Podman must pass descriptors only. Its pids are those of the
    /// container's pid namespace (descriptor <c>hpid</c> gives the host's); for a paused or
    /// stopped container it answers 200 with an empty body (checked on 4.3.1).
    /// </para>
    /// </summary>
    /// <param name="psArgs">Null for the engine's default.</param>
    public Task<DockerJson> TopRawAsync(string id, string? psArgs, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(TopPath(id, psArgs), cancellationToken);

    /// <summary>
    /// <c>GET /containers/{id}/stats?stream=false[&amp;one-shot=true]</c>, raw: one sample of CPU,
    /// memory, pids, block and network I/O. Without <c>one-shot</c> (before API 1.41) the daemon
    /// waits for a second sample to fill <c>precpu_stats</c> (about 2 s on Docker 20.10); with it
    /// the answer is immediate and <c>precpu_stats</c> is empty. Docker names the container
    /// <c>id</c> and <c>name</c> ("/web"); Podman 4.3 <c>Id</c> and <c>name</c> ("web").
    /// </summary>
    public Task<DockerJson> StatsRawAsync(string id, bool oneShot, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(StatsPath(id, oneShot), cancellationToken);

    /// <summary>The call <see cref="TopRawAsync"/> makes, as errors and evidence name it.</summary>
    public string TopCall(string id, string? psArgs) => "GET " + TopPath(id, psArgs);

    /// <summary>The call <see cref="StatsRawAsync"/> makes.</summary>
    public string StatsCall(string id, bool oneShot) => "GET " + StatsPath(id, oneShot);

    private string TopPath(string id, string? psArgs) =>
        $"{_prefix}/containers/{Escape(id)}/top" + (psArgs is null ? "" : "?ps_args=" + Uri.EscapeDataString(psArgs));

    private string StatsPath(string id, bool oneShot) =>
        $"{_prefix}/containers/{Escape(id)}/stats?stream=false" + (oneShot ? "&one-shot=true" : "");

    private static string Escape(string id) => Uri.EscapeDataString(id);
}
