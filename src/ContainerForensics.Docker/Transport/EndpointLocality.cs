using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Transport;

/// <summary>
/// Where a Docker-compatible daemon runs, from its endpoint (<see cref="RuntimeLocality"/>).
/// A unix socket is asked who listens on it (<see cref="LocalityProbe"/>). TCP is always
/// remote, loopback included: a loopback port is as often a tunnel or proxy to another machine
/// (ssh -L, socat, a port-forward) as a local daemon, and nothing in a TCP connection ties the
/// answering engine to a process of this host. The daemon's pids and paths are then not read
/// here; reach a local daemon through its unix socket to get host evidence.
/// </summary>
public static class EndpointLocality
{
    public static RuntimeLocality Of(DockerEndpoint endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        return endpoint.Kind == DockerEndpointKind.Unix
            ? LocalityProbe.OfUnixSocket(endpoint.SocketPath!, location: endpoint.SocketLocation)
            : RuntimeLocality.Remote($"the daemon is reached over TCP ({endpoint}): no process of this host can be proven to be it, so its pids and paths are not this host's");
    }
}
