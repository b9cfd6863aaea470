using System.Globalization;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Core.Runtimes;

/// <summary>
/// A unix socket found inside a container's root, resolved there safely by Core and held open,
/// for a provider to connect to (<see cref="IRuntimeProvider.ProbeNestedAsync"/>). The path was
/// resolved with openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS beneath <c>/proc/&lt;pid&gt;/root</c>,
/// so a symlink the container planted (<c>run/containerd/containerd.sock -&gt; /run/...</c>) is
/// followed inside the container and can never lead to a socket of the host. The result is kept
/// as an O_PATH descriptor and every connection goes through <see cref="ConnectPath"/>
/// (<c>/proc/self/fd/N</c>): the socket connected is the socket resolved, even if the container
/// swaps the path afterwards. Core owns the descriptor: it closes it when the runtime connected
/// through it is disposed, or at once when nothing answered.
/// </summary>
public sealed class NestedSocket : IDisposable
{
    private readonly FileDescriptor _fd;
    private readonly int _number;

    internal NestedSocket(NestingLink link, string path, FileDescriptor fd, FileStat stat, byte[]? linkTarget, string procRoot)
    {
        Link = link;
        Path = path;
        _fd = fd;
        using (var lease = fd.Borrow())
        {
            _number = lease.Fd;
        }
        Device = stat.Device;
        Inode = stat.Inode;
        LinkTarget = linkTarget;
        ProcRoot = procRoot;
    }

    /// <summary>The container it was found in.</summary>
    public NestingLink Link { get; }

    /// <summary>The path inside the container, as looked for: <c>/run/containerd/containerd.sock</c>.</summary>
    public string Path { get; }

    /// <summary>Where the socket file lies, for records: <c>/proc/&lt;host pid&gt;/root/run/containerd/containerd.sock</c>.</summary>
    public string Endpoint => $"{ProcRoot}/{Link.HostPid.ToString(CultureInfo.InvariantCulture)}/root{Path}";

    /// <summary>The path to connect to: this process's descriptor of the resolved socket (a magic link the kernel follows to that inode only).</summary>
    public string ConnectPath => $"{ProcRoot}/self/fd/{_number.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The target, when the path's last component is a symlink inside the container (resolved there, never on the host).</summary>
    public byte[]? LinkTarget { get; }

    /// <summary>The socket file's device and inode: two paths to one socket are probed once.</summary>
    internal ulong Device { get; }

    internal ulong Inode { get; }

    /// <summary>The procfs it was found through.</summary>
    internal string ProcRoot { get; }

    public override string ToString() => Endpoint;

    public void Dispose() => _fd.Dispose();
}
