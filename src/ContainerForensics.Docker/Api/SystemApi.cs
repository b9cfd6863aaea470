namespace ContainerForensics.Docker.Api;

/// <summary>The system area of the Engine API (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/System).</summary>
public sealed class SystemApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal SystemApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary><c>GET /version</c> on the negotiated path, raw (the client keeps the answer from negotiation too).</summary>
    public Task<DockerJson> VersionRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/version", cancellationToken);

    /// <summary><c>GET /info</c>, raw: engine configuration, storage driver, security options, counts.</summary>
    public Task<DockerJson> InfoRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/info", cancellationToken);
}
