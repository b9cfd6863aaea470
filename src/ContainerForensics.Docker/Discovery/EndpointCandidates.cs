using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Discovery;

/// <summary>
/// The ordered endpoint candidates of each engine, read from <see cref="RuntimeSettings"/> only
/// (its Environment is the seam), so the order and the reasons are testable without a host.
/// <para>Docker:</para>
/// <list type="number">
/// <item><c>--docker-host</c>, else <c>DOCKER_HOST</c> (the <c>--docker-host</c> option, else the
///   environment): applies when set and parseable; TCP gets TLS from DOCKER_CERT_PATH /
///   DOCKER_TLS_VERIFY / DOCKER_TLS (<see cref="DockerTlsSettings"/>).</item>
/// <item><c>/var/run/docker.sock</c>: always applies (rootful dockerd's default; podman-docker
///   links it to Podman's socket, which the probe then notices).</item>
/// <item><c>$XDG_RUNTIME_DIR/docker.sock</c>: rootless Docker; applies when XDG_RUNTIME_DIR is an
///   absolute path.</item>
/// </list>
/// <para>Podman:</para>
/// <list type="number">
/// <item><c>CONTAINER_HOST</c>: podman-remote's own variable; applies when set to a unix:// or
///   tcp:// URL (its ssh:// form is refused with a reason). The same socket serves the
///   Docker-compatible API.</item>
/// <item><c>/run/podman/podman.sock</c>: rootful Podman API service (podman.socket); always applies.</item>
/// <item><c>$XDG_RUNTIME_DIR/podman/podman.sock</c>: rootless Podman; applies when XDG_RUNTIME_DIR is set.</item>
/// </list>
/// Existence is not checked here: the probe says "no socket at ..." for a candidate that applies.
/// </summary>
public static class EndpointCandidates
{
    public const string DefaultDockerSocket = "/var/run/docker.sock";
    public const string DefaultPodmanSocket = "/run/podman/podman.sock";

    public static IReadOnlyList<EndpointCandidate> For(DockerEngineKind engine, RuntimeSettings settings) =>
        engine == DockerEngineKind.Podman ? ForPodman(settings) : ForDocker(settings);

    public static IReadOnlyList<EndpointCandidate> ForDocker(RuntimeSettings settings) =>
    [
        DockerHost(settings),
        new EndpointCandidate
        {
            Engine = DockerEngineKind.Docker,
            Source = "default",
            Display = "unix://" + DefaultDockerSocket,
            Endpoint = DockerEndpoint.Unix(DefaultDockerSocket),
            Why = "the default socket of a rootful Docker daemon",
        },
        Rootless(DockerEngineKind.Docker, settings, "docker.sock", "rootless Docker"),
    ];

    public static IReadOnlyList<EndpointCandidate> ForPodman(RuntimeSettings settings) =>
    [
        ContainerHost(settings),
        new EndpointCandidate
        {
            Engine = DockerEngineKind.Podman,
            Source = "default",
            Display = "unix://" + DefaultPodmanSocket,
            Endpoint = DockerEndpoint.Unix(DefaultPodmanSocket),
            Why = "the socket of the rootful Podman API service (podman.socket)",
        },
        Rootless(DockerEngineKind.Podman, settings, "podman/podman.sock", "rootless Podman"),
    ];

    private static EndpointCandidate DockerHost(RuntimeSettings settings)
    {
        string? env = settings.GetEnvironment("DOCKER_HOST");
        string? flag = settings.Option(DockerOptions.Host);
        string? value = string.IsNullOrWhiteSpace(flag) ? env : flag;
        // When the flag's value equals the environment's it most likely came from there.
        string source = value is null ? "--docker-host/DOCKER_HOST"
            : !string.IsNullOrWhiteSpace(flag) && !string.Equals(flag, env, StringComparison.Ordinal) ? "--docker-host"
            : "DOCKER_HOST";
        if (value is null)
        {
            return new EndpointCandidate
            {
                Engine = DockerEngineKind.Docker,
                Source = source,
                Display = "$DOCKER_HOST",
                Why = "neither --docker-host nor DOCKER_HOST is set",
            };
        }
        var tls = DockerTlsSettings.FromEnvironment(settings.GetEnvironment);
        return Parsed(DockerEngineKind.Docker, source, value, tls, tls is null ? $"{source} is set" : $"{source} is set (TLS from DOCKER_CERT_PATH/DOCKER_TLS_VERIFY)");
    }

    private static EndpointCandidate ContainerHost(RuntimeSettings settings)
    {
        string? value = settings.GetEnvironment("CONTAINER_HOST");
        if (value is null)
        {
            return new EndpointCandidate
            {
                Engine = DockerEngineKind.Podman,
                Source = "CONTAINER_HOST",
                Display = "$CONTAINER_HOST",
                Why = "CONTAINER_HOST is not set",
            };
        }
        return Parsed(DockerEngineKind.Podman, "CONTAINER_HOST", value, null, "CONTAINER_HOST is set");
    }

    private static EndpointCandidate Parsed(DockerEngineKind engine, string source, string value, DockerTlsSettings? tls, string why) =>
        DockerEndpoint.TryParse(value, tls, out var endpoint, out var error)
            ? new EndpointCandidate { Engine = engine, Source = source, Display = value, Endpoint = endpoint, Why = why }
            : new EndpointCandidate { Engine = engine, Source = source, Display = value, Why = $"{source} is not usable: {error}" };

    private static EndpointCandidate Rootless(DockerEngineKind engine, RuntimeSettings settings, string relative, string what)
    {
        string template = "$XDG_RUNTIME_DIR/" + relative;
        string? dir = settings.GetEnvironment("XDG_RUNTIME_DIR");
        if (dir is null)
        {
            return new EndpointCandidate { Engine = engine, Source = "rootless", Display = template, Why = $"XDG_RUNTIME_DIR is not set (no {what} to look for)" };
        }
        if (!dir.StartsWith('/'))
        {
            return new EndpointCandidate { Engine = engine, Source = "rootless", Display = template, Why = $"XDG_RUNTIME_DIR '{dir}' is not an absolute path" };
        }
        string path = dir.TrimEnd('/') + "/" + relative;
        return new EndpointCandidate
        {
            Engine = engine,
            Source = "rootless",
            Display = "unix://" + path,
            Endpoint = DockerEndpoint.Unix(path),
            Why = $"{what} of the user whose XDG_RUNTIME_DIR is {dir}",
        };
    }
}
