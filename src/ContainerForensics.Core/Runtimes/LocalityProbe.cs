using System.Globalization;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// Decides where a daemon on a unix socket runs (<see cref="RuntimeLocality"/>), from the kernel's
/// answer rather than from the path: the socket's peer credentials (SO_PEERCRED, socket(7)) name
/// the process that listens, with its pid as seen from cfir's pid namespace (0 when it is outside
/// it), and its <c>/proc/&lt;pid&gt;/ns/pid</c> is compared with cfir's own (namespaces(7)).
/// A socket reached as <c>/proc/&lt;pid&gt;/root/run/containerd/containerd.sock</c> is thereby
/// nested exactly when the daemon behind it is. The listener is taken to be the engine: a relay
/// (socat between a unix socket and a remote daemon) would be taken for the engine, the same
/// limit as a TCP endpoint's, which is why TCP is always remote.
/// </summary>
public static class LocalityProbe
{
    private const int SolSocket = 1;
    private const int SoPeerCred = 17;

    /// <param name="procRoot">The host's procfs; "/proc" except in tests.</param>
    /// <param name="location">What the records call the socket when <paramref name="socketPath"/> is only the way to it
    /// (a socket found inside a container is connected through <c>/proc/self/fd/N</c>; it lies at <c>/proc/&lt;pid&gt;/root/...</c>).</param>
    public static RuntimeLocality OfUnixSocket(string socketPath, string procRoot = "/proc", string? location = null)
    {
        ArgumentNullException.ThrowIfNull(socketPath);
        string shown = location ?? socketPath;
        int pid;
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect(new UnixDomainSocketEndPoint(socketPath));
            // struct ucred { pid_t pid; uid_t uid; gid_t gid; }, native byte order.
            var credentials = new byte[12];
            if (socket.GetRawSocketOption(SolSocket, SoPeerCred, credentials) < sizeof(int))
            {
                return RuntimeLocality.Unknown($"the kernel gave no peer credentials for {shown}");
            }
            pid = MemoryMarshal.Read<int>(credentials);
        }
        catch (SocketException ex)
        {
            return RuntimeLocality.Unknown($"the process listening on {shown} could not be identified (SO_PEERCRED): {ex.Message}");
        }
        string via = shown.StartsWith("/proc/", StringComparison.Ordinal) ? $" (the socket reached through {shown})" : "";
        if (pid <= 0)
        {
            return RuntimeLocality.Unknown($"the process listening on {shown} is outside cfir's pid namespace (its peer pid reads 0): its pids and paths cannot be read from here");
        }
        string daemon = pid.ToString(CultureInfo.InvariantCulture);
        var own = NamespaceOf($"{procRoot}/self/ns/pid", out string? ownProblem);
        var theirs = NamespaceOf($"{procRoot}/{daemon}/ns/pid", out string? theirProblem);
        if (own is null || theirs is null)
        {
            return RuntimeLocality.Unknown($"the pid namespace of the daemon (pid {daemon}, listening on {shown}) could not be compared with cfir's: {ownProblem ?? theirProblem}");
        }
        if (own == theirs)
        {
            var ownMount = NamespaceOf($"{procRoot}/self/ns/mnt", out _);
            var theirMount = NamespaceOf($"{procRoot}/{daemon}/ns/mnt", out _);
            bool sameMount = ownMount is not null && ownMount == theirMount;
            return RuntimeLocality.ThisHost(
                $"the daemon (pid {daemon}, the peer of {shown}) is in cfir's pid namespace pid:[{theirs}]" +
                (sameMount ? " and mount namespace" : "; its mount namespace is not cfir's, so the paths it names are not read here") + via,
                pid, theirs, sameMount);
        }
        return RuntimeLocality.Nested(pid, theirs.Value,
            $"the daemon (host pid {daemon}, the peer of {shown}) is in pid namespace pid:[{theirs}], not cfir's pid:[{own}]{via}: the pids it reports are translated through NSpid");
    }

    /// <summary>The pid namespace of a host process, as an nsfs inode, or null with why not.</summary>
    public static ulong? PidNamespaceOf(int pid, string procRoot, out string? problem) =>
        NamespaceOf($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/ns/pid", out problem);

    /// <summary>The inode an ns link names ("pid:[4026531836]").</summary>
    private static ulong? NamespaceOf(string link, out string? problem)
    {
        problem = null;
        string? target;
        try
        {
            target = new FileInfo(link).LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"{link}: {ex.Message}";
            return null;
        }
        int open = target?.IndexOf('[', StringComparison.Ordinal) ?? -1;
        if (target is null || open < 0 || !target.EndsWith(']')
            || !ulong.TryParse(target.AsSpan(open + 1, target.Length - open - 2), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode))
        {
            problem = $"{link} is not a namespace link ({target ?? "absent"})";
            return null;
        }
        return inode;
    }
}
