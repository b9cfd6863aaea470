namespace ContainerForensics.Docker.Discovery;

/// <summary>The engines that speak the Docker Engine API; each has its own provider and name.</summary>
public enum DockerEngineKind
{
    Docker,
    Podman,
}

public static class DockerEngineKindExtensions
{
    /// <summary>The runtime name (<c>--runtime</c>, archive folders): docker or podman.</summary>
    public static string RuntimeName(this DockerEngineKind kind) => kind == DockerEngineKind.Podman ? "podman" : "docker";

    public static string DisplayName(this DockerEngineKind kind) => kind == DockerEngineKind.Podman ? "Podman" : "Docker";

    public static DockerEngineKind Other(this DockerEngineKind kind) => kind == DockerEngineKind.Podman ? DockerEngineKind.Docker : DockerEngineKind.Podman;
}
