using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// Whether the host paths an engine names (GraphDriver.Data.*, Mounts[].Source, LogPath) are
/// paths of this machine: only for a daemon in cfir's own pid and mount namespaces
/// (<see cref="RuntimeLocality.SharesHostPaths"/>). A path can still be unreadable here: the
/// planner opens it and falls back to the API when that fails.
/// </summary>
internal sealed record HostPathAccess(bool Usable, string Why)
{
    public static HostPathAccess For(RuntimeLocality locality) => locality.SharesHostPaths
        ? new HostPathAccess(true, $"the daemon runs on this host: {locality.Why}")
        : new HostPathAccess(false, $"the daemon is {locality.Describe()} ({locality.Why}): the host paths it names are not read here");

    public static HostPathAccess For(DockerEndpoint endpoint) => For(EndpointLocality.Of(endpoint));

    /// <summary>For tests and for an operator who wants the engine's own view: never read host paths.</summary>
    public static HostPathAccess Disabled(string why) => new(false, why);
}
