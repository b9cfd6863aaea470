using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Discovery;

/// <summary>
/// One place a Docker-compatible daemon may listen, and whether it applies on this host and why
/// (or why not): "DOCKER_HOST is not set" is as much a finding as a socket that answers.
/// </summary>
public sealed record EndpointCandidate
{
    /// <summary>Whose candidate list it is on (an engine may still turn out to be the other one).</summary>
    public required DockerEngineKind Engine { get; init; }

    /// <summary>Where it comes from: --docker-host, DOCKER_HOST, default, rootless, ...</summary>
    public required string Source { get; init; }

    /// <summary>The endpoint as written, or a template such as <c>$XDG_RUNTIME_DIR/docker.sock</c> when it does not apply.</summary>
    public required string Display { get; init; }

    /// <summary>The parsed endpoint; null when the candidate does not apply.</summary>
    public DockerEndpoint? Endpoint { get; init; }

    public bool Applies => Endpoint is not null;

    /// <summary>Why it applies, or why not.</summary>
    public required string Why { get; init; }

    public override string ToString() => $"{Source} {Display}: {(Applies ? "applies" : "does not apply")} ({Why})";
}
