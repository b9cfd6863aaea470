namespace ContainerForensics.Docker.Transport;

/// <summary>How a Docker-compatible API endpoint is reached.</summary>
public enum DockerEndpointKind
{
    /// <summary>A unix domain socket on this host (<c>unix:///var/run/docker.sock</c>).</summary>
    Unix,
    /// <summary>TCP, plain or TLS (<c>tcp://host:2376</c>).</summary>
    Tcp,
}
