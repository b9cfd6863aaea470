using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Discovery;

/// <summary>The Docker provider's command-line options.</summary>
public static class DockerOptions
{
    /// <summary>An endpoint tried first (before <c>DOCKER_HOST</c>); a Podman socket given here is reported as Podman.</summary>
    public static readonly RuntimeOption Host = new("--docker-host",
        "Docker or Podman API endpoint (unix:///path, tcp://host:port). Default: $DOCKER_HOST, then the usual sockets.", "URL");
}
