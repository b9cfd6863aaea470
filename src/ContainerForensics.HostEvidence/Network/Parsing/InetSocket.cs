using System.Net;

namespace ContainerForensics.HostEvidence.Network.Parsing;

/// <summary>
/// One line of /proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6,icmp,icmp6}.
/// For raw sockets the "port" the kernel prints is the IP protocol number; for ping (icmp)
/// sockets it is the echo identifier.
/// </summary>
internal sealed record InetSocket
{
    /// <summary>"tcp", "udp", "udplite", "raw" or "icmp".</summary>
    public required string Protocol { get; init; }

    /// <summary>4 or 6.</summary>
    public required int IpVersion { get; init; }

    /// <summary>The /proc/net file and line it came from.</summary>
    public required string File { get; init; }

    public required int Line { get; init; }

    /// <summary>The "sl" column: the kernel's bucket slot.</summary>
    public required long Slot { get; init; }

    public required IPAddress LocalAddress { get; init; }

    public required int LocalPort { get; init; }

    public required IPAddress RemoteAddress { get; init; }

    public required int RemotePort { get; init; }

    public required int StateCode { get; init; }

    public required string State { get; init; }

    public required ulong TxQueue { get; init; }

    public required ulong RxQueue { get; init; }

    public required long Uid { get; init; }

    /// <summary>0 for sockets no file descriptor can hold (TIME_WAIT, pending connection requests).</summary>
    public required ulong Inode { get; init; }
}
