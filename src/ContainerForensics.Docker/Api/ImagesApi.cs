namespace ContainerForensics.Docker.Api;

/// <summary>The images (https://docs.docker.com/reference/api/engine/version/v1.41/#tag/Image) area of the Engine API. One method per endpoint.</summary>
public sealed class ImagesApi
{
    private readonly DockerConnection _connection;
    private readonly string _prefix;

    internal ImagesApi(DockerConnection connection, string prefix)
    {
        _connection = connection;
        _prefix = prefix;
    }
}
