using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Discovery;

/// <summary>The Docker provider's command-line options.</summary>
public static class DockerOptions
{
    /// <summary>An endpoint tried first (before <c>DOCKER_HOST</c>); a Podman socket given here is reported as Podman.</summary>
    public static readonly RuntimeOption Host = new("--docker-host",
        "Docker or Podman API endpoint (unix:///path, tcp://host:port). Default: $DOCKER_HOST, then the usual sockets.", "URL");

    /// <summary>Dead-box: a Docker data root inside the disk image given with --root (repeatable); without it the usual places are looked at.</summary>
    public static readonly RuntimeOption Root = new("--docker-root",
        "With --root: Docker's data root as a path inside the disk image (repeatable). Default: the image's daemon.json data-root, /var/lib/docker, rootless ones under /root and /home.", "PATH")
    {
        Kind = RuntimeOptionKind.Repeatable,
    };
}
