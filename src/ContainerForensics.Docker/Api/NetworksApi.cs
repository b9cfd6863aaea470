namespace ContainerForensics.Docker.Api;

/// <summary>The networks (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Network) area of the Engine API. One method per endpoint.</summary>
public sealed class NetworksApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal NetworksApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary>
    /// <c>GET /networks</c>, raw: every network with its driver, subnets and options. Podman 4.3
    /// lists its default network ("podman" to its own CLI) as "bridge", as Docker clients expect.
    /// </summary>
    public Task<DockerJson> ListRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/networks", cancellationToken);
}
