using System.Globalization;
using System.Text;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Rooted;

/// <summary>
/// Reads a file INSIDE a container's root (/proc/&lt;pid&gt;/root held open as a directory), the
/// way the container itself would see it, and never anything on the host:
/// <list type="bullet">
/// <item>Every lookup is openat2(2) with RESOLVE_IN_ROOT: symlinks, absolute or with "..", are
/// resolved as if the directory were "/" — "/etc/shadow" planted as a link means the
/// container's /etc/shadow — and RESOLVE_NO_MAGICLINKS refuses /proc/&lt;pid&gt;/root-style links
/// that would lead out. RESOLVE_NO_XDEV is NOT set: Docker bind-mounts /etc/resolv.conf,
/// /etc/hosts and /etc/hostname into the container, and those mounts are what it sees.</item>
/// <item>The path is opened O_PATH first, which does not open the file: only a regular file is
/// then reopened for reading, through /proc/self/fd/N (the same inode). A FIFO would block
/// and a device acts on open; neither is ever opened.</item>
/// <item>Without openat2 (ENOSYS: Linux before 5.6, or a seccomp filter that does not know it)
/// the file is not read at all: every other lookup could follow the container's symlinks on
/// the host.</item>
/// </list>
/// </summary>
internal static class RootedFileReader
{
    public const ulong Resolve = Native.RESOLVE_IN_ROOT | Native.RESOLVE_NO_MAGICLINKS;

    /// <summary>Opens a process's root directory (/proc/&lt;pid&gt;/root, a magic link followed on purpose) as an O_PATH directory descriptor.</summary>
    public static int OpenRoot(string procRoot, int pid, out FileDescriptor? root)
    {
        root = null;
        byte[] path = Encoding.UTF8.GetBytes($"{procRoot.TrimEnd('/')}/{pid.ToString(CultureInfo.InvariantCulture)}/root");
        int errno = Native.OpenAt(Native.AT_FDCWD, path, Native.O_PATH | Native.O_DIRECTORY | Native.O_CLOEXEC, out int fd);
        if (errno == 0)
        {
            root = new FileDescriptor(fd);
        }
        return errno;
    }

    /// <summary>Reads <paramref name="path"/> (relative to the root; a leading "/" means the same) inside <paramref name="root"/>.</summary>
    public static RootedFile Read(FileDescriptor root, ReadOnlySpan<byte> path, long? maxFileSize = null, OversizePolicy oversize = OversizePolicy.Truncate)
    {
        using var lease = root.Borrow();
        int rootFd = lease.Fd;

        // The name itself, not followed: is it a symlink, and to what?
        int errno = Native.OpenAt2(rootFd, path, (ulong)(Native.O_PATH | Native.O_CLOEXEC | Native.O_NOFOLLOW), Resolve, out int linkFd);
        if (errno == UnixError.ENOSYS)
        {
            return new RootedFile
            {
                Status = EntryStatus.Failed,
                Reason = "openat2 is not available (Linux 5.6 or later is needed): not read, because any other lookup could follow the container's symlinks on the host",
                Errno = errno,
            };
        }
        if (errno != 0)
        {
            return RootedFile.Failure(errno, "openat2 (RESOLVE_IN_ROOT) failed");
        }
        byte[]? linkTarget = null;
        using (var link = new FileDescriptor(linkFd))
        {
            var linkStat = FileStat.Of(link, out errno);
            if (linkStat is null)
            {
                return RootedFile.Failure(errno, "statx failed");
            }
            if (linkStat.Kind == EntryKind.Symlink)
            {
                using var l = link.Borrow();
                errno = Native.ReadLinkAt(l.Fd, ReadOnlySpan<byte>.Empty, out linkTarget);
                if (errno != 0)
                {
                    return RootedFile.Failure(errno, "readlink failed");
                }
            }
        }

        // Now followed — inside the root only.
        errno = Native.OpenAt2(rootFd, path, (ulong)(Native.O_PATH | Native.O_CLOEXEC), Resolve, out int pathFd);
        if (errno != 0)
        {
            var failure = RootedFile.Failure(errno, "openat2 (RESOLVE_IN_ROOT) failed", linkTarget);
            return errno == UnixError.ENOENT && linkTarget is not null
                ? failure with { Reason = "a symlink whose target does not exist in the container" }
                : failure;
        }
        using var pathHandle = new FileDescriptor(pathFd);
        var stat = FileStat.Of(pathHandle, out errno);
        if (stat is null)
        {
            return RootedFile.Failure(errno, "statx failed", linkTarget);
        }
        if (stat.Kind != EntryKind.File)
        {
            // Recorded as what it is (FIFO, device, directory, ...); never opened.
            return new RootedFile { Stat = stat, LinkTarget = linkTarget };
        }
        if (maxFileSize is long max && stat.Size > max && oversize == OversizePolicy.Skip)
        {
            return new RootedFile { Status = EntryStatus.Skipped, Reason = $"larger than --max-file-size: {stat.Size} > {max} bytes", Stat = stat, LinkTarget = linkTarget };
        }

        errno = Reopen(pathHandle, out var readFd);
        if (errno != 0 || readFd is null)
        {
            return RootedFile.Failure(errno, "open for reading failed", linkTarget) with { Stat = stat };
        }
        var atOpen = FileStat.Of(readFd, out errno);
        if (atOpen is null || !atOpen.IsSameFile(stat))
        {
            readFd.Dispose();
            return atOpen is null
                ? RootedFile.Failure(errno, "statx of the open file failed", linkTarget) with { Stat = stat }
                : new RootedFile { Status = EntryStatus.Failed, Reason = "the file was replaced between lookup and open", Stat = stat, LinkTarget = linkTarget };
        }
        return new RootedFile { Stat = atOpen, LinkTarget = linkTarget, Content = new DescriptorContent(readFd, atOpen, maxFileSize) };
    }

    /// <summary>Opens the inode behind an O_PATH descriptor for reading through /proc/self/fd/N, with O_NOATIME where permitted.</summary>
    private static int Reopen(FileDescriptor pathHandle, out FileDescriptor? readFd)
    {
        readFd = null;
        const int Flags = Native.O_RDONLY | Native.O_CLOEXEC | Native.O_NOCTTY | Native.O_NONBLOCK;
        using var lease = pathHandle.Borrow();
        byte[] self = Encoding.ASCII.GetBytes("/proc/self/fd/" + lease.Fd.ToString(CultureInfo.InvariantCulture));
        int errno = Native.OpenAt(Native.AT_FDCWD, self, Flags | Native.O_NOATIME, out int fd);
        if (errno == UnixError.EPERM)
        {
            errno = Native.OpenAt(Native.AT_FDCWD, self, Flags, out fd);  // O_NOATIME needs ownership or CAP_FOWNER
        }
        if (errno == 0)
        {
            readFd = new FileDescriptor(fd);
        }
        return errno;
    }
}
