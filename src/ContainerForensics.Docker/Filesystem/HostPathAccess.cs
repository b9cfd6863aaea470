using System.Text;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Filesystem;

/// <summary>
/// Whether and how the host paths an engine names (GraphDriver.Data.*, Mounts[].Source, LogPath)
/// are read here, and the one place that opens them:
/// <list type="bullet">
/// <item>a daemon in cfir's own pid and mount namespaces (<see cref="RuntimeLocality.SharesHostPaths"/>):
/// its paths are this machine's, trusted as the daemon's own, and opened as named;</item>
/// <item>a nested daemon (Docker-in-Docker, a Podman service in a container): its paths are its
/// mount namespace's, reached through <see cref="RuntimeLocality.PathRoot"/>
/// (<c>/proc/&lt;daemon pid&gt;/root/.</c>). They are the nested daemon's words, and whoever controls
/// the container can plant links on them, so every segment is opened beneath that root without
/// following a symbolic link and ".." is refused (<see cref="SafeTreeWalker.OpenBeneath"/>): a link
/// cannot lead out to the host's files;</item>
/// <item>any other daemon (remote, unknown): not read; the collectors fall back to the API.</item>
/// </list>
/// A path can still be unreadable: the readers open it and fall back, or record why, when that fails.
/// </summary>
internal sealed record HostPathAccess
{
    private HostPathAccess(bool usable, string why, string? root)
    {
        Usable = usable;
        Why = why;
        Root = root;
    }

    public bool Usable { get; }

    /// <summary>Why the paths are or are not read, for records.</summary>
    public string Why { get; }

    /// <summary>Null for this host's own paths; else the root every path is opened beneath (<see cref="RuntimeLocality.PathRoot"/>).</summary>
    public string? Root { get; }

    /// <summary>The container the nested daemon runs in, set per container by <see cref="At"/>: where its paths are said to be read.</summary>
    public NestingLink? Place { get; private init; }

    /// <summary>
    /// For a nested daemon: how its paths were read, for filesystem-source.json's <c>why</c> where
    /// a path was chosen over the API (its <c>readBeneath</c> gives the root). Empty on this host.
    /// </summary>
    public string How => Root is null ? "" : Place is { } place
        ? $"; the daemon's own path, read inside {place.Describe()} beneath readBeneath, every segment without following a symbolic link"
        : "; the daemon's own path, read inside its container beneath readBeneath, every segment without following a symbolic link";

    public static HostPathAccess For(RuntimeLocality locality)
    {
        ArgumentNullException.ThrowIfNull(locality);
        if (locality.SharesHostPaths)
        {
            return new HostPathAccess(true, $"the daemon runs on this host: {locality.Why}", null);
        }
        if (locality.PathRoot is { } root)
        {
            return new HostPathAccess(true, $"the daemon is {locality.Describe()}: the paths it names are read beneath its root {root}", root);
        }
        return new HostPathAccess(false, $"the daemon is {locality.Describe()} ({locality.Why}): the host paths it names are not read here", null);
    }

    public static HostPathAccess For(DockerEndpoint endpoint) => For(EndpointLocality.Of(endpoint));

    /// <summary>For tests and for an operator who wants the engine's own view: never read host paths.</summary>
    public static HostPathAccess Disabled(string why) => new(false, why, null);

    /// <summary>A nested daemon's view rooted at <paramref name="root"/> (a directory standing in for /proc/&lt;pid&gt;/root/.; tests).</summary>
    internal static HostPathAccess Beneath(string root, string why) => new(true, why, root);

    /// <summary>The same access for one container's paths: names the container its nested daemon runs in (<see cref="ContainerInfo.NestedIn"/>).</summary>
    public HostPathAccess At(ContainerInfo container)
    {
        ArgumentNullException.ThrowIfNull(container);
        return Root is null ? this : this with { Place = container.NestedIn };
    }

    /// <summary>
    /// A path the daemon named as records show it: as named on this host; for a nested daemon with
    /// where it was read, "/var/lib/docker/containers/ID/ID-json.log in docker/dind via /proc/6964/root".
    /// </summary>
    public string Show(string path) => Root is null ? path
        : Place is { } place ? $"{path} in {place.Describe()} via {ShownRoot}"
        : $"{path} via {ShownRoot}";

    /// <summary>
    /// Opens a directory the daemon named as a walk root. Throws an <see cref="IOException"/>
    /// (HResult the errno) when it cannot be opened: a relative path, a symbolic link or ".." on a
    /// nested daemon's path, or anything missing.
    /// </summary>
    public SafeTreeWalker OpenDirectory(string path, WalkOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!Usable)
        {
            throw new InvalidOperationException($"host paths are not read: {Why}");
        }
        byte[] bytes = Encoding.UTF8.GetBytes(path);
        if (Root is null)
        {
            return SafeTreeWalker.Open(bytes, options);
        }
        if (bytes[0] != (byte)'/')
        {
            throw UnixError.ToIOException(UnixError.EINVAL, $"'{path}' is not an absolute path of the daemon");
        }
        return SafeTreeWalker.OpenBeneath(Encoding.UTF8.GetBytes(Root), bytes.AsSpan().TrimStart((byte)'/'), options);
    }

    /// <summary>The root as a person reads it: /proc/6964/root, without the "/." that keeps O_NOFOLLOW off the magic link.</summary>
    private string ShownRoot => Root!.EndsWith("/.", StringComparison.Ordinal) ? Root[..^2] : Root;
}
