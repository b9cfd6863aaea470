namespace ContainerForensics.HostEvidence.Network;

/// <summary>A process holding a socket: found by matching "socket:[inode]" in /proc/&lt;pid&gt;/fd.</summary>
public sealed record SocketOwner(int Pid, int Fd, string? Command);
