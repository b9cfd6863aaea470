using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// What statx(2) says about one file, without following a final symlink. Times keep their
/// nanoseconds; a field the filesystem did not fill in (stx_mask) stays null, e.g. the birth
/// time on filesystems that do not record one.
/// </summary>
public sealed record FileStat
{
    public required EntryKind Kind { get; init; }

    /// <summary>st_mode with the file-type bits (S_IFMT) and the permission and special bits (07777).</summary>
    public required uint Mode { get; init; }

    public uint Permissions => Mode & 0xFFF;

    public required uint Uid { get; init; }

    public required uint Gid { get; init; }

    /// <summary>Apparent size in bytes (for a symlink: the length of its target).</summary>
    public required long Size { get; init; }

    /// <summary>Allocated 512-byte blocks (stx_blocks); fewer than Size/512 means holes (or compression).</summary>
    public required long Blocks { get; init; }

    public required ulong LinkCount { get; init; }

    public required ulong Inode { get; init; }

    /// <summary>Major and minor of the filesystem's device.</summary>
    public required uint DeviceMajor { get; init; }

    public required uint DeviceMinor { get; init; }

    /// <summary>For device nodes: the device they stand for (0:0 for an overlay whiteout).</summary>
    public required uint RdevMajor { get; init; }

    public required uint RdevMinor { get; init; }

    public UnixTime? AccessTime { get; init; }

    public UnixTime? ModifiedTime { get; init; }

    public UnixTime? ChangeTime { get; init; }

    public UnixTime? BirthTime { get; init; }

    /// <summary>The filesystem's device as st_dev encodes it (glibc makedev), as <c>stat -c %d</c> prints it.</summary>
    public ulong Device => MakeDev(DeviceMajor, DeviceMinor);

    /// <summary>Whether the file has holes worth asking SEEK_DATA about: fewer bytes allocated than its size.</summary>
    public bool IsSparse => Kind == EntryKind.File && Blocks * 512 < Size;

    /// <summary>Same device and inode: the same file, whatever its name now.</summary>
    public bool IsSameFile(FileStat other) =>
        Inode == other.Inode && DeviceMajor == other.DeviceMajor && DeviceMinor == other.DeviceMinor;

    /// <summary>glibc's makedev(3): 12 bits of major and 20 of minor in the traditional places, the rest above.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        ((ulong)(major & 0x00000fffu) << 8) | ((ulong)(major & 0xfffff000u) << 32) |
        (minor & 0x000000ffu) | ((ulong)(minor & 0xffffff00u) << 12);

    /// <summary>The file type of an st_mode (inode(7)); a character device 0:0 is an overlay whiteout (overlayfs docs, "whiteouts and opaque directories").</summary>
    public static EntryKind KindOf(uint mode, uint rdevMajor, uint rdevMinor) => (mode & Native.S_IFMT) switch
    {
        Native.S_IFSOCK => EntryKind.Socket,
        Native.S_IFLNK => EntryKind.Symlink,
        Native.S_IFREG => EntryKind.File,
        Native.S_IFBLK => EntryKind.BlockDevice,
        Native.S_IFDIR => EntryKind.Directory,
        Native.S_IFCHR => rdevMajor == 0 && rdevMinor == 0 ? EntryKind.Whiteout : EntryKind.CharDevice,
        Native.S_IFIFO => EntryKind.Fifo,
        _ => EntryKind.File,  // no other type exists; an unknown one is reported by Mode, never opened (see HostFile)
    };

    /// <summary>statx of an open descriptor (fstat; O_PATH descriptors too). Null with the errno when it fails.</summary>
    internal static FileStat? Of(FileDescriptor fd, out int errno)
    {
        using var lease = fd.Borrow();
        errno = Native.Fstatx(lease.Fd, out var s);
        return errno == 0 ? FromStatx(s) : null;
    }

    /// <summary>statx of <paramref name="name"/> relative to <paramref name="dirFd"/>, following a final symlink or not. Null with the errno when it fails.</summary>
    internal static FileStat? At(int dirFd, ReadOnlySpan<byte> name, bool followFinalSymlink, out int errno)
    {
        errno = Native.Statx(dirFd, name, followFinalSymlink ? 0 : Native.AT_SYMLINK_NOFOLLOW, out var s);
        return errno == 0 ? FromStatx(s) : null;
    }

    internal static FileStat FromStatx(in Native.StatxBuffer s) => new()
    {
        Kind = KindOf(s.Mode, s.RdevMajor, s.RdevMinor),
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
        AccessTime = (s.Mask & Native.STATX_ATIME) != 0 ? Time(s.AccessTime) : null,
        ModifiedTime = (s.Mask & Native.STATX_MTIME) != 0 ? Time(s.ModifyTime) : null,
        ChangeTime = (s.Mask & Native.STATX_CTIME) != 0 ? Time(s.ChangeTime) : null,
        BirthTime = (s.Mask & Native.STATX_BTIME) != 0 ? Time(s.BirthTime) : null,
    };

    /// <summary>
    /// The entry metadata for the archive. User and group names stay null: the names that matter
    /// are the container's (its /etc/passwd), not the host's, and resolving them is the collector's job.
    /// </summary>
    public EntryMetadata ToMetadata(byte[]? linkTarget = null, IReadOnlyList<KeyValuePair<string, byte[]>>? extendedAttributes = null)
    {
        bool device = Kind is EntryKind.CharDevice or EntryKind.BlockDevice or EntryKind.Whiteout;
        return new EntryMetadata
        {
            Kind = Kind,
            Mode = Permissions,
            Uid = Uid,
            Gid = Gid,
            Size = Size,
            ModifiedTime = ModifiedTime,
            AccessTime = AccessTime,
            ChangeTime = ChangeTime,
            BirthTime = BirthTime,
            LinkTarget = Kind == EntryKind.Symlink ? linkTarget : null,
            DeviceMajor = device ? RdevMajor : null,
            DeviceMinor = device ? RdevMinor : null,
            SourceDevice = Device,
            Inode = Inode,
            LinkCount = LinkCount,
            ExtendedAttributes = extendedAttributes ?? [],
        };
    }

    private static UnixTime Time(Native.StatxTimestamp t) => new(t.Seconds, t.Nanoseconds);
}
