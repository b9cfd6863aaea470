using System.Globalization;
using System.Text;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Core.Host.Processes;

/// <summary>
/// The host's processes and their PID namespaces, read from a procfs: which processes there are,
/// which namespace each is in (the nsfs file its ns/pid link names: device and inode,
/// namespaces(7)), and whether one namespace lies below another (ioctl NS_GET_PARENT, ioctl_ns(2)).
/// Shared by <see cref="ProcessSetFinder"/> (a container's processes) and
/// <see cref="HostPidTranslator"/> (a nested runtime's pid on this host).
/// </summary>
internal sealed class PidNamespaceTree(string procRoot)
{
    /// <summary>PID namespaces nest at most 32 deep (kernel MAX_PID_NS_LEVEL).</summary>
    private const int MaxNesting = 32;

    /// <summary>The PID namespace of a process, or null with the errno (ENOENT: it exited, or is a kernel thread).</summary>
    public FileStat? NamespaceOf(int pid, out int errno) => NamespaceAt($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/ns/pid", out errno);

    /// <summary>cfir's own PID namespace (that of the procfs's "self").</summary>
    public FileStat? Own() => NamespaceAt($"{procRoot}/self/ns/pid", out _);

    /// <summary>Every numeric entry of /proc: the thread-group leaders, i.e. the processes.</summary>
    public List<int> ListPids(out int errno)
    {
        var pids = new List<int>();
        errno = Native.OpenAt(Native.AT_FDCWD, Bytes(procRoot), Native.O_RDONLY | Native.O_DIRECTORY | Native.O_CLOEXEC, out int fd);
        if (errno != 0)
        {
            return pids;
        }
        var names = new List<byte[]>();
        errno = DirectoryHandle.ReadNamesAndClose(fd, names);
        foreach (var name in names)
        {
            if (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int pid) && pid > 0)
            {
                pids.Add(pid);
            }
        }
        return pids;
    }

    /// <summary>Whether the process's PID namespace is nested (at any depth) below <paramref name="target"/>; the walk stops at <paramref name="host"/>.</summary>
    public bool IsBelow(int pid, FileStat target, FileStat? host)
    {
        int errno = Native.OpenAt(Native.AT_FDCWD, Bytes($"{procRoot}/{pid.ToString(CultureInfo.InvariantCulture)}/ns/pid"), Native.O_RDONLY | Native.O_CLOEXEC, out int fd);
        if (errno != 0)
        {
            return false;
        }
        var current = new FileDescriptor(fd);
        try
        {
            for (int level = 0; level < MaxNesting; level++)
            {
                int parentFd;
                using (var lease = current.Borrow())
                {
                    errno = Native.NamespaceParent(lease.Fd, out parentFd);
                }
                if (errno != 0)
                {
                    return false;  // EPERM: above our own namespace; ENOTTY: an old kernel
                }
                current.Dispose();
                current = new FileDescriptor(parentFd);
                var parent = FileStat.Of(current, out _);
                if (parent is null || (host is not null && parent.IsSameFile(host)))
                {
                    return false;
                }
                if (parent.IsSameFile(target))
                {
                    return true;
                }
            }
            return false;
        }
        finally
        {
            current.Dispose();
        }
    }

    private static FileStat? NamespaceAt(string link, out int errno) => FileStat.At(Native.AT_FDCWD, Bytes(link), followFinalSymlink: true, out errno);

    private static byte[] Bytes(string path) => Encoding.UTF8.GetBytes(path);
}
