namespace ContainerForensics.Docker.Api;

/// <summary>
/// A call to a Docker-compatible daemon failed. The message names the endpoint and the call
/// ("GET /v1.41/info at unix:///var/run/docker.sock: ..."), so it can go into the archive as is.
/// </summary>
public abstract class DockerException : Exception
{
    protected DockerException(string endpoint, string call, string detail, Exception? inner)
        : base($"{call} at {endpoint}: {detail}", inner)
    {
        Endpoint = endpoint;
        Call = call;
        Detail = detail;
    }

    public string Endpoint { get; }

    /// <summary>Method and path, e.g. <c>GET /v1.41/containers/json?all=1</c>.</summary>
    public string Call { get; }

    /// <summary>What went wrong, without the endpoint and call.</summary>
    public string Detail { get; }
}
