namespace ContainerForensics.Docker.Api;

/// <summary>The volumes (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Volume) area of the Engine API. One method per endpoint.</summary>
public sealed class VolumesApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal VolumesApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }

    /// <summary><c>GET /volumes</c>, raw: <c>{"Volumes": [...], "Warnings": ...}</c>.</summary>
    public Task<DockerJson> ListRawAsync(CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(_prefix + "/volumes", cancellationToken);

    /// <summary>
    /// <c>GET /volumes/{name}</c>, raw: driver, mountpoint on the host, labels, options. A missing
    /// volume throws <see cref="DockerNotFoundException"/>.
    /// </summary>
    public Task<DockerJson> InspectRawAsync(string name, CancellationToken cancellationToken) =>
        _connection.GetJsonAsync(InspectPath(name), cancellationToken);

    /// <summary>The call <see cref="InspectRawAsync"/> makes, as errors and evidence name it.</summary>
    public string InspectCall(string name) => "GET " + InspectPath(name);

    private string InspectPath(string name) => $"{_prefix}/volumes/{Uri.EscapeDataString(name)}";
}
