using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Interop;

/// <summary>statx of a descriptor or a name as Core's <see cref="FileStat"/>, so entries carry the same metadata as every other capture.</summary>
internal static class Stat
{
    /// <summary>statx of an open descriptor (fstat). Null with the errno when it fails.</summary>
    public static FileStat? Of(UnixFd fd, out int errno)
    {
        using var lease = fd.Borrow();
        return At(lease.Fd, ReadOnlySpan<byte>.Empty, followFinalSymlink: true, out errno);
    }

    /// <summary>statx of <paramref name="name"/> relative to <paramref name="dirFd"/> (empty: the descriptor itself).</summary>
    public static FileStat? At(int dirFd, ReadOnlySpan<byte> name, bool followFinalSymlink, out int errno)
    {
        errno = HostNative.Statx(dirFd, name, followFinalSymlink ? 0 : HostNative.AT_SYMLINK_NOFOLLOW, out var s);
        return errno == 0 ? From(s) : null;
    }

    public static FileStat From(in HostNative.StatxBuffer s) => new()
    {
        Kind = FileStat.KindOf(s.Mode, s.RdevMajor, s.RdevMinor),
        Mode = s.Mode,
        Uid = s.Uid,
        Gid = s.Gid,
        Size = (long)s.Size,
        Blocks = (long)s.Blocks,
        LinkCount = s.LinkCount,
        Inode = s.Inode,
        DeviceMajor = s.DevMajor,
        DeviceMinor = s.DevMinor,
        RdevMajor = s.RdevMajor,
        RdevMinor = s.RdevMinor,
        AccessTime = (s.Mask & HostNative.STATX_ATIME) != 0 ? Time(s.AccessTime) : null,
        ModifiedTime = (s.Mask & HostNative.STATX_MTIME) != 0 ? Time(s.ModifyTime) : null,
        ChangeTime = (s.Mask & HostNative.STATX_CTIME) != 0 ? Time(s.ChangeTime) : null,
        BirthTime = (s.Mask & HostNative.STATX_BTIME) != 0 ? Time(s.BirthTime) : null,
    };

    private static UnixTime Time(HostNative.StatxTimestamp t) => new(t.Seconds, t.Nanoseconds);
}
