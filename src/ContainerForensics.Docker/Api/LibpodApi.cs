namespace ContainerForensics.Docker.Api;

/// <summary>
/// Podman's own API on the same socket as its Docker-compatible one
/// (https://docs.podman.io/en/latest/_static/api.html), for what the compat API leaves out.
/// Paths carry the libpod version: Podman 4.3 answers 404 on unversioned <c>/libpod/...</c>.
/// </summary>
public sealed class LibpodApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal LibpodApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary>
    /// <c>GET /libpod/containers/json?all=true</c>, raw. Unlike the compat list it has
    /// <c>Pod</c>, <c>PodName</c>, <c>Pid</c> and <c>IsInfra</c>.
    /// </summary>
    public Task<DockerJson> ListContainersRawAsync(bool all, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/libpod/containers/json" + (all ? "?all=true" : ""), cancellationToken);

    /// <summary><c>GET /libpod/pods/json</c>, raw: every pod with its containers and infra container id.</summary>
    public Task<DockerJson> ListPodsRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/libpod/pods/json", cancellationToken);
}
