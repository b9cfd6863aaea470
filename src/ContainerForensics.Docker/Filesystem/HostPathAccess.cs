using System.Net;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// Whether the host paths an engine names (GraphDriver.Data.*, Mounts[].Source) are paths on
/// this machine. A daemon on a unix socket runs here; one over TCP is remote unless it is on a
/// loopback address. A path can still be unreadable here (cfir in another mount namespace):
/// the planner opens it and falls back to the API when that fails.
/// </summary>
internal sealed record HostPathAccess(bool Usable, string Why)
{
    public static HostPathAccess For(DockerEndpoint endpoint)
    {
        if (endpoint.Kind == DockerEndpointKind.Unix)
        {
            return new HostPathAccess(true, $"the daemon listens on a unix socket of this host ({endpoint.SocketPath})");
        }
        bool loopback = endpoint.Host is "localhost" || (IPAddress.TryParse(endpoint.Host, out var address) && IPAddress.IsLoopback(address));
        return loopback
            ? new HostPathAccess(true, $"the daemon listens on a loopback address of this host ({endpoint})")
            : new HostPathAccess(false, $"the daemon is remote ({endpoint}): the host paths it names are on its machine, not this one");
    }

    /// <summary>For tests and for an operator who wants the engine's own view: never read host paths.</summary>
    public static HostPathAccess Disabled(string why) => new(false, why);
}
