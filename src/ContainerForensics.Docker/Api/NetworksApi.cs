namespace ContainerForensics.Docker.Api;

/// <summary>The networks (#tag/Network) area of the Engine API. One method per endpoint.</summary>
public sealed class NetworksApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal NetworksApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }
}
