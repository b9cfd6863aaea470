using System.Globalization;
using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Collection.Nesting;

/// <summary>
/// A container's root as its init process sees it, held open for looking inside:
/// <c>/proc/&lt;host pid&gt;</c> as an O_PATH directory (it stays that process's: once the process
/// exits, nothing under it opens, even if the number is reused) and, through it, the
/// <c>root</c> magic link followed on purpose, once. Every path inside is then resolved beneath
/// that root with openat2 RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS (as <c>RootedFileReader</c>
/// reads resolv.conf): absolute symlinks and ".." stay inside the container, and /proc-style
/// magic links are refused. RESOLVE_NO_XDEV is not set: a kind node's /run is a tmpfs of its
/// own, and its mounts are what the container sees.
/// </summary>
internal sealed class NestedRoot : IDisposable
{
    private const ulong Resolve = Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS;

    private readonly FileDescriptor _process;
    private readonly FileDescriptor _root;
    private readonly string _procRoot;

    private NestedRoot(FileDescriptor process, FileDescriptor root, string procRoot)
    {
        _process = process;
        _root = root;
        _procRoot = procRoot;
    }

    /// <summary>Opens <c>/proc/&lt;pid&gt;/root</c>, or returns null with why not.</summary>
    public static NestedRoot? Open(string procRoot, int hostPid, out string? problem)
    {
        problem = null;
        string dir = $"{procRoot}/{hostPid.ToString(CultureInfo.InvariantCulture)}";
        int errno = Native.OpenAt(Native.AT_FDCWD, Encoding.UTF8.GetBytes(dir), Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, out int processFd);
        if (errno != 0)
        {
            problem = $"{dir} cannot be opened: {UnixError.Describe(errno)}";
            return null;
        }
        var process = new FileDescriptor(processFd);
        using (var lease = process.Borrow())
        {
            errno = Native.OpenAt(lease.Fd, "root"u8, Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, out int rootFd);
            if (errno == 0)
            {
                return new NestedRoot(process, new FileDescriptor(rootFd), procRoot);
            }
        }
        process.Dispose();
        problem = $"{dir}/root cannot be opened: {UnixError.Describe(errno)}";
        return null;
    }

    /// <summary>
    /// Whether the process whose root this is still runs: its /proc directory, held open since
    /// <see cref="Open"/>, still opens its entries. With the number it had confirmed again after
    /// that, it proves the root looked into was that process's all along.
    /// </summary>
    public bool StillRuns()
    {
        using var lease = _process.Borrow();
        if (Native.OpenAt(lease.Fd, "stat"u8, Native.O_RDONLY | Native.O_CLOEXEC, out int fd) != 0)
        {
            return false;
        }
        Native.Close(fd);
        return true;
    }

    /// <summary>
    /// The socket at <paramref name="path"/> inside the root, held open as O_PATH, or null with
    /// why not (absent, not a socket, a symlink whose target is not there inside the container,
    /// openat2 missing).
    /// </summary>
    public NestedSocket? OpenSocket(NestingLink link, string path, out string reason)
    {
        reason = "";
        byte[] name = Encoding.UTF8.GetBytes(path);
        using var lease = _root.Borrow();

        // The last component itself, not followed: a symlink is worth naming in the record.
        int errno = Native.OpenAt2(lease.Fd, name, (ulong)(Native.O_PATH | Native.O_CLOEXEC | Native.O_NOFOLLOW), Resolve, out int linkFd);
        if (errno == UnixError.ENOSYS)
        {
            reason = "not looked for: openat2 is not available (Linux 5.6 or later is needed), and any other lookup could follow the container's symlinks on the host";
            return null;
        }
        if (errno != 0)
        {
            reason = errno == UnixError.ENOENT ? "no socket there" : $"cannot be looked up inside the container: {UnixError.Describe(errno)}";
            return null;
        }
        byte[]? linkTarget = null;
        using (var link0 = new FileDescriptor(linkFd))
        {
            if (FileStat.Of(link0, out _) is { Kind: EntryKind.Symlink })
            {
                using var l = link0.Borrow();
                Native.ReadLinkAt(l.Fd, ReadOnlySpan<byte>.Empty, out linkTarget);
            }
        }
        string via = linkTarget is null ? "" : $" (a symlink to {Encoding.UTF8.GetString(linkTarget)}, resolved inside the container)";

        // Followed now, beneath the root only.
        errno = Native.OpenAt2(lease.Fd, name, (ulong)(Native.O_PATH | Native.O_CLOEXEC), Resolve, out int fd);
        if (errno != 0)
        {
            reason = (errno == UnixError.ENOENT ? "no socket there" : $"cannot be resolved inside the container: {UnixError.Describe(errno)}") + via;
            return null;
        }
        var socket = new FileDescriptor(fd);
        var stat = FileStat.Of(socket, out errno);
        if (stat is not { Kind: EntryKind.Socket })
        {
            socket.Dispose();
            reason = (stat is null ? $"statx failed: {UnixError.Describe(errno)}" : $"not a socket but a {stat.Kind.ToString().ToLowerInvariant()}") + via;
            return null;
        }
        reason = via.TrimStart();
        return new NestedSocket(link, path, socket, stat, linkTarget, _procRoot);
    }

    public void Dispose()
    {
        _root.Dispose();
        _process.Dispose();
    }
}
