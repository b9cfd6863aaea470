namespace ContainerForensics.Docker.Api;

/// <summary>The container filesystem: changes, export, archive (#tag/Container) area of the Engine API. One method per endpoint.</summary>
public sealed class ContainerFilesApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal ContainerFilesApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }
}
