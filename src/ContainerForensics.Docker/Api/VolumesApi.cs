namespace ContainerForensics.Docker.Api;

/// <summary>The volumes (#tag/Volume) area of the Engine API. One method per endpoint.</summary>
public sealed class VolumesApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal VolumesApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }
}
