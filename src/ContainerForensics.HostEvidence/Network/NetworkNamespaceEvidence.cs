using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// The network state of one network namespace, read from /proc/&lt;pid&gt;/net of a process inside
/// it: sockets (TCP, UDP, v4 and v6, unix, raw, packet) decoded and tied to their owners,
/// interfaces, addresses, routes and ARP. Raw files as read, hashed; decoded tables as JSON
/// and plain text. Section Volatile, under network/&lt;netns inode&gt;/.
/// </summary>
public static class NetworkNamespaceEvidence
{
    /// <param name="pid">Any live process in the namespace (its /proc/&lt;pid&gt;/net is the namespace's view).</param>
    /// <param name="netnsInode">The namespace's inode (readlink /proc/&lt;pid&gt;/ns/net), naming its folder.</param>
    /// <param name="owners">Socket inode → the processes and fds holding it.</param>
    public static Task CollectAsync(int pid, ulong netnsInode, IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>> owners, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        _ = (pid, netnsInode, owners, sink, cancellationToken);
        throw new NotImplementedException("being written (host evidence issue)");
    }
}
