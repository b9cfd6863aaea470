using System.Buffers;
using System.Runtime.InteropServices;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// The libc calls the file capture and the host evidence (processes, network, memory) need, with
/// paths as bytes (Linux names are bytes, not text): descriptor-relative opens (openat, and
/// openat2(2) with RESOLVE_IN_ROOT), statx, pread, readlinkat, directory listing, extended
/// attributes, the namespace ioctl NS_GET_PARENT and sysconf(_SC_CLK_TCK).
/// Every wrapper returns 0 or an errno and never throws for a bad source file.
/// Only 64-bit Linux: off_t is 64 bits, and struct statx has the same layout on every
/// architecture (statx(2)), which is why it is used instead of struct stat.
/// </summary>
internal static unsafe partial class Native
{
    private const string Libc = "libc";  // the runtime maps "libc" to the C library's soname (libc.so.6 / musl)

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_NO_AUTOMOUNT = 0x800;
    public const int AT_EMPTY_PATH = 0x1000;
    public const int AT_STATX_SYNC_AS_STAT = 0;

    public const uint STATX_TYPE = 0x1;
    public const uint STATX_MODE = 0x2;
    public const uint STATX_NLINK = 0x4;
    public const uint STATX_UID = 0x8;
    public const uint STATX_GID = 0x10;
    public const uint STATX_ATIME = 0x20;
    public const uint STATX_MTIME = 0x40;
    public const uint STATX_CTIME = 0x80;
    public const uint STATX_INO = 0x100;
    public const uint STATX_SIZE = 0x200;
    public const uint STATX_BLOCKS = 0x400;
    public const uint STATX_BASIC_STATS = 0x7ff;
    public const uint STATX_BTIME = 0x800;

    // open(2) flags that are the same on x86-64, arm64 and the other asm-generic architectures.
    public const int O_RDONLY = 0;
    public const int O_NOCTTY = 0x100;      // 0400: a tty swapped in must not become our controlling terminal
    public const int O_NONBLOCK = 0x800;    // 04000: a FIFO swapped in, or a write lease held on the file, must not block the open (EAGAIN instead, fcntl(2) "Leases")
    public const int O_CLOEXEC = 0x80000;   // 02000000
    public const int O_NOATIME = 0x40000;   // 01000000
    public const int O_PATH = 0x200000;     // 010000000

    // O_DIRECTORY and O_NOFOLLOW differ: arm, arm64 and powerpc use their own values (arch fcntl.h).
    public static readonly int O_DIRECTORY;
    public static readonly int O_NOFOLLOW;

    /// <summary>openat2(2) is 437 on every architecture: it came after the syscall tables were unified (Linux 5.6).</summary>
    public const long SYS_openat2 = 437;

    // openat2(2) resolve flags, include/uapi/linux/openat2.h.
    public const ulong RESOLVE_NO_XDEV = 0x01;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;
    public const ulong RESOLVE_IN_ROOT = 0x10;

    /// <summary>ioctl_ns(2): NS_GET_PARENT = _IO(0xb7, 0x2); _IOC_NONE is 0 except on powerpc (1, at bit 29).</summary>
    public static readonly ulong NS_GET_PARENT;

    /// <summary>sysconf(3) name of the clock-tick rate; 2 in glibc's and musl's enums alike.</summary>
    private const int _SC_CLK_TCK = 2;

    public const int SEEK_DATA = 3;  // lseek(2), since Linux 3.1
    public const int SEEK_HOLE = 4;

    public const uint S_IFMT = 0xF000;   // 0170000
    public const uint S_IFSOCK = 0xC000; // 0140000
    public const uint S_IFLNK = 0xA000;  // 0120000
    public const uint S_IFREG = 0x8000;  // 0100000
    public const uint S_IFBLK = 0x6000;  // 0060000
    public const uint S_IFDIR = 0x4000;  // 0040000
    public const uint S_IFCHR = 0x2000;  // 0020000
    public const uint S_IFIFO = 0x1000;  // 0010000

    /// <summary>Where d_name starts in glibc's and musl's struct dirent on 64-bit targets (d_ino, d_off, d_reclen, d_type).</summary>
    private const int DirentNameOffset = 19;

#pragma warning disable CA1810 // the values depend on the architecture, known only at run time
    static Native()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            throw new PlatformNotSupportedException("host file capture needs 64-bit Linux");
        }
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.Arm64:
                O_DIRECTORY = 0x4000;  // 040000
                O_NOFOLLOW = 0x8000;   // 0100000
                NS_GET_PARENT = 0xb702;
                break;
            case Architecture.Ppc64le:
                O_DIRECTORY = 0x4000;  // 040000
                O_NOFOLLOW = 0x8000;   // 0100000
                NS_GET_PARENT = 0x2000b702;
                break;
            case Architecture.X64:
            case Architecture.RiscV64:
            case Architecture.LoongArch64:
            case Architecture.S390x:
                O_DIRECTORY = 0x10000; // 0200000
                O_NOFOLLOW = 0x20000;  // 0400000
                NS_GET_PARENT = 0xb702;
                break;
            default:
                throw new PlatformNotSupportedException($"open(2) flags not known for {RuntimeInformation.ProcessArchitecture}");
        }
    }

    /// <summary>struct open_how of openat2(2): flags, mode, resolve; 24 bytes (OPEN_HOW_SIZE_VER0).</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct OpenHow
    {
        public ulong Flags;
        public ulong Mode;
        public ulong Resolve;
    }

    /// <summary>struct statx_timestamp: tv_sec (s64), tv_nsec (u32), reserved (s32).</summary>
    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct StatxTimestamp
    {
        [FieldOffset(0)] public long Seconds;
        [FieldOffset(8)] public uint Nanoseconds;
    }

    /// <summary>struct statx from include/uapi/linux/stat.h: 256 bytes, one layout on all architectures.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(4)] public uint BlockSize;
        [FieldOffset(8)] public ulong Attributes;
        [FieldOffset(16)] public uint LinkCount;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(56)] public ulong AttributesMask;
        [FieldOffset(64)] public StatxTimestamp AccessTime;
        [FieldOffset(80)] public StatxTimestamp BirthTime;
        [FieldOffset(96)] public StatxTimestamp ChangeTime;
        [FieldOffset(112)] public StatxTimestamp ModifyTime;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    /// <summary>The soft limit on open descriptors (getrlimit RLIMIT_NOFILE); null when it cannot be read or is unlimited.</summary>
    public static long? OpenFileLimit()
    {
        const int RLIMIT_NOFILE = 7; // the same on every Linux architecture but alpha, sparc and mips
        RLimit limit;
        if (SysGetRLimit(RLIMIT_NOFILE, &limit) != 0 || limit.Current > long.MaxValue)
        {
            return null;
        }
        return (long)limit.Current;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct RLimit
    {
        public ulong Current;
        public ulong Maximum;
    }

    // ---- raw imports ------------------------------------------------------------------------

    [LibraryImport(Libc, EntryPoint = "getrlimit", SetLastError = true)]
    private static partial int SysGetRLimit(int resource, RLimit* rlim);

    // openat is variadic in C; the mode argument is only read with O_CREAT or O_TMPFILE, which
    // are never passed, so the three-argument form is safe on every ABI.

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true)]
    private static partial int SysStatx(int dirfd, byte* pathname, int flags, uint mask, StatxBuffer* statxbuf);

    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true)]
    private static partial int SysOpenAt(int dirfd, byte* pathname, int flags);

    /// <summary>syscall(2) with four arguments. Variadic in C, but every argument is a full register and glibc's syscall() reads no floating-point ones.</summary>
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long SysCall4(long number, long a1, long a2, long a3, long a4);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int SysClose(int fd);

    [LibraryImport(Libc, EntryPoint = "pread", SetLastError = true)]
    private static partial nint SysPread(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(Libc, EntryPoint = "lseek", SetLastError = true)]
    private static partial long SysLseek(int fd, long offset, int whence);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint SysReadlinkAt(int dirfd, byte* pathname, byte* buf, nuint bufsiz);

    [LibraryImport(Libc, EntryPoint = "flistxattr", SetLastError = true)]
    private static partial nint SysFlistxattr(int fd, byte* list, nuint size);

    [LibraryImport(Libc, EntryPoint = "fgetxattr", SetLastError = true)]
    private static partial nint SysFgetxattr(int fd, byte* name, byte* value, nuint size);

    [LibraryImport(Libc, EntryPoint = "listxattr", SetLastError = true)]
    private static partial nint SysListxattr(byte* path, byte* list, nuint size);

    [LibraryImport(Libc, EntryPoint = "getxattr", SetLastError = true)]
    private static partial nint SysGetxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(Libc, EntryPoint = "llistxattr", SetLastError = true)]
    private static partial nint SysLlistxattr(byte* path, byte* list, nuint size);

    [LibraryImport(Libc, EntryPoint = "lgetxattr", SetLastError = true)]
    private static partial nint SysLgetxattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(Libc, EntryPoint = "fdopendir", SetLastError = true)]
    private static partial nint SysFdopendir(int fd);

    [LibraryImport(Libc, EntryPoint = "readdir", SetLastError = true)]
    private static partial nint SysReaddir(nint dir);

    [LibraryImport(Libc, EntryPoint = "closedir", SetLastError = true)]
    private static partial int SysClosedir(nint dir);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int SysIoctl(int fd, ulong request, nint argument);

    [LibraryImport(Libc, EntryPoint = "sysconf", SetLastError = true)]
    private static partial long SysSysconf(int name);

    // ---- wrappers: 0 or errno ---------------------------------------------------------------

    /// <summary>
    /// statx(2) with AT_STATX_SYNC_AS_STAT, asking for the basic stats and the birth time, and
    /// AT_NO_AUTOMOUNT: looking at evidence must not mount anything (fstatat(2)).
    /// </summary>
    public static int Statx(int dirfd, ReadOnlySpan<byte> path, int flags, out StatxBuffer buffer)
    {
        buffer = default;
        if (path.Contains((byte)0))
        {
            return UnixError.EINVAL;
        }
        Span<byte> scratch = stackalloc byte[256];
        var z = new CString(path, scratch);
        try
        {
            fixed (byte* p = z.Value)
            fixed (StatxBuffer* b = &buffer)
            {
                int rc;
                do
                {
                    rc = SysStatx(dirfd, p, flags | AT_STATX_SYNC_AS_STAT | AT_NO_AUTOMOUNT, STATX_BASIC_STATS | STATX_BTIME, b);
                }
                while (rc < 0 && Marshal.GetLastPInvokeError() == UnixError.EINTR);
                return rc < 0 ? Marshal.GetLastPInvokeError() : 0;
            }
        }
        finally
        {
            z.Dispose();
        }
    }

    /// <summary>statx on an open descriptor: the fstat(2) equivalent (AT_EMPTY_PATH works on O_PATH descriptors too).</summary>
    public static int Fstatx(int fd, out StatxBuffer buffer) => Statx(fd, ReadOnlySpan<byte>.Empty, AT_EMPTY_PATH, out buffer);

    /// <summary>openat(2); the caller owns the descriptor on success.</summary>
    public static int OpenAt(int dirfd, ReadOnlySpan<byte> path, int flags, out int fd)
    {
        fd = -1;
        if (path.Contains((byte)0))
        {
            return UnixError.EINVAL;
        }
        Span<byte> scratch = stackalloc byte[256];
        var z = new CString(path, scratch);
        try
        {
            fixed (byte* p = z.Value)
            {
                int rc;
                do
                {
                    rc = SysOpenAt(dirfd, p, flags);
                }
                while (rc < 0 && Marshal.GetLastPInvokeError() == UnixError.EINTR);
                if (rc < 0)
                {
                    return Marshal.GetLastPInvokeError();
                }
                fd = rc;
                return 0;
            }
        }
        finally
        {
            z.Dispose();
        }
    }

    /// <summary>
    /// openat2(2) through syscall(2): glibc only has a wrapper since 2.39. ENOSYS on kernels
    /// before 5.6 (or under a seccomp filter that does not know it); the caller must not fall
    /// back to a lookup that would follow symlinks on the host.
    /// </summary>
    public static int OpenAt2(int dirfd, ReadOnlySpan<byte> path, ulong flags, ulong resolve, out int fd)
    {
        fd = -1;
        if (path.Contains((byte)0))
        {
            return UnixError.EINVAL;
        }
        Span<byte> scratch = stackalloc byte[256];
        var z = new CString(path, scratch);
        try
        {
            var how = new OpenHow { Flags = flags, Mode = 0, Resolve = resolve };
            fixed (byte* p = z.Value)
            {
                long rc;
                int attempts = 0;
                do
                {
                    rc = SysCall4(SYS_openat2, dirfd, (long)p, (long)&how, sizeof(OpenHow));
                }
                // EAGAIN: a rename or mount raced the scoped lookup (openat2(2)); a hostile container
                // renaming in a loop must not keep us here, hence the bound.
                while (rc < 0 && (Marshal.GetLastPInvokeError() is UnixError.EINTR or UnixError.EAGAIN) && ++attempts < 64);
                if (rc < 0)
                {
                    return Marshal.GetLastPInvokeError();
                }
                fd = (int)rc;
                return 0;
            }
        }
        finally
        {
            z.Dispose();
        }
    }

    /// <summary>close(2). Never retried on EINTR: on Linux the descriptor is gone either way (close(2) NOTES).</summary>
    public static int Close(int fd) => SysClose(fd) < 0 ? Marshal.GetLastPInvokeError() : 0;

    /// <summary>pread(2); returns the byte count (0 at end of file) or -errno.</summary>
    public static long Pread(int fd, Span<byte> buffer, long offset)
    {
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = SysPread(fd, p, (nuint)buffer.Length, offset);
                if (n >= 0)
                {
                    return n;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != UnixError.EINTR)
                {
                    return -errno;
                }
            }
        }
    }

    /// <summary>lseek(2); returns the new offset or -errno.</summary>
    public static long Lseek(int fd, long offset, int whence)
    {
        long r = SysLseek(fd, offset, whence);
        return r < 0 ? -Marshal.GetLastPInvokeError() : r;
    }

    /// <summary>
    /// readlinkat(2), byte-exact. readlink does not NUL-terminate and truncates silently, so the
    /// buffer grows until the result is shorter than the buffer. An empty path with an O_PATH
    /// descriptor of the link reads that very link (readlinkat(2), since Linux 2.6.39).
    /// </summary>
    public static int ReadLinkAt(int dirfd, ReadOnlySpan<byte> path, out byte[]? target)
    {
        target = null;
        if (path.Contains((byte)0))
        {
            return UnixError.EINVAL;
        }
        Span<byte> scratch = stackalloc byte[256];
        var z = new CString(path, scratch);
        try
        {
            int size = 256;
            while (true)
            {
                byte[] buffer = ArrayPool<byte>.Shared.Rent(size);
                try
                {
                    nint n;
                    fixed (byte* p = z.Value)
                    fixed (byte* b = buffer)
                    {
                        n = SysReadlinkAt(dirfd, p, b, (nuint)buffer.Length);
                    }
                    if (n < 0)
                    {
                        return Marshal.GetLastPInvokeError();
                    }
                    if (n < buffer.Length)
                    {
                        target = buffer.AsSpan(0, (int)n).ToArray();
                        return 0;
                    }
                    if (buffer.Length >= 1 << 24)
                    {
                        return UnixError.ENAMETOOLONG;  // no filesystem stores a 16 MiB link; stop growing
                    }
                    size = buffer.Length * 2;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(buffer);
                }
            }
        }
        finally
        {
            z.Dispose();
        }
    }

    /// <summary>How extended attributes are reached: by descriptor, by path following a final symlink, or by path on the link itself.</summary>
    public enum XattrTarget
    {
        Descriptor,
        PathFollow,
        PathNoFollow,
    }

    /// <summary>listxattr(2) family; returns the list length or -errno. Names in the list are NUL-terminated.</summary>
    public static long ListXattr(XattrTarget how, int fd, byte* path, Span<byte> list)
    {
        fixed (byte* l = list)
        {
            nint n = how switch
            {
                XattrTarget.Descriptor => SysFlistxattr(fd, l, (nuint)list.Length),
                XattrTarget.PathFollow => SysListxattr(path, l, (nuint)list.Length),
                _ => SysLlistxattr(path, l, (nuint)list.Length),
            };
            return n < 0 ? -Marshal.GetLastPInvokeError() : n;
        }
    }

    /// <summary>getxattr(2) family; returns the value length or -errno. The name must be NUL-terminated.</summary>
    public static long GetXattr(XattrTarget how, int fd, byte* path, byte* name, Span<byte> value)
    {
        fixed (byte* v = value)
        {
            nint n = how switch
            {
                XattrTarget.Descriptor => SysFgetxattr(fd, name, v, (nuint)value.Length),
                XattrTarget.PathFollow => SysGetxattr(path, name, v, (nuint)value.Length),
                _ => SysLgetxattr(path, name, v, (nuint)value.Length),
            };
            return n < 0 ? -Marshal.GetLastPInvokeError() : n;
        }
    }

    /// <summary>fdopendir(3): on success the DIR owns the descriptor (closedir closes it).</summary>
    public static int FdOpenDir(int fd, out nint dir)
    {
        dir = SysFdopendir(fd);
        return dir == 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    public static int CloseDir(nint dir) => SysClosedir(dir) < 0 ? Marshal.GetLastPInvokeError() : 0;

    /// <summary>
    /// Reads every name of a directory except "." and "..", appending copies to <paramref name="names"/>.
    /// readdir(3) returns NULL both at the end and on error; only errno tells them apart, and the
    /// generated stub clears errno before each call.
    /// </summary>
    public static int ReadAllNames(nint dir, List<byte[]> names)
    {
        while (true)
        {
            nint entry = SysReaddir(dir);
            if (entry == 0)
            {
                return Marshal.GetLastPInvokeError();
            }
            var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)entry + DirentNameOffset);
            if ((name.Length == 1 && name[0] == (byte)'.') || (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.'))
            {
                continue;
            }
            names.Add(name.ToArray());
        }
    }

    /// <summary>ioctl(fd, NS_GET_PARENT): a new descriptor of the parent PID (or user) namespace, or an errno (EPERM above the caller's own namespace).</summary>
    public static int NamespaceParent(int nsFd, out int parentFd)
    {
        int rc = SysIoctl(nsFd, NS_GET_PARENT, 0);
        parentFd = rc;
        return rc < 0 ? Marshal.GetLastPInvokeError() : 0;
    }

    /// <summary>sysconf(_SC_CLK_TCK): the unit of the times in /proc/&lt;pid&gt;/stat (USER_HZ, 100 on every mainstream kernel).</summary>
    public static long ClockTicksPerSecond()
    {
        long v = SysSysconf(_SC_CLK_TCK);
        return v > 0 ? v : 100;
    }

    /// <summary>Writes "/proc/self/fd/N" and a NUL into <paramref name="destination"/>; returns the length without the NUL.</summary>
    public static int FormatProcFdPath(int fd, Span<byte> destination)
    {
        ReadOnlySpan<byte> prefix = "/proc/self/fd/"u8;
        prefix.CopyTo(destination);
        fd.TryFormat(destination[prefix.Length..], out int digits, default, System.Globalization.CultureInfo.InvariantCulture);
        int length = prefix.Length + digits;
        destination[length] = 0;
        return length;
    }

    /// <summary>A NUL-terminated copy of a path: on the stack when it fits, else from the pool.</summary>
    public ref struct CString
    {
        private byte[]? _rented;

        public CString(ReadOnlySpan<byte> value, Span<byte> scratch)
        {
            if (value.Length + 1 <= scratch.Length)
            {
                Value = scratch[..(value.Length + 1)];
            }
            else
            {
                _rented = ArrayPool<byte>.Shared.Rent(value.Length + 1);
                Value = _rented.AsSpan(0, value.Length + 1);
            }
            value.CopyTo(Value);
            Value[value.Length] = 0;
        }

        public Span<byte> Value { get; }

        public void Dispose()
        {
            if (_rented is not null)
            {
                ArrayPool<byte>.Shared.Return(_rented);
                _rented = null;
            }
        }
    }
}
