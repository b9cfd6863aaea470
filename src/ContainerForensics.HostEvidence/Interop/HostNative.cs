using System.Buffers;
using System.Runtime.InteropServices;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.HostEvidence.Interop;

/// <summary>
/// The system calls host evidence needs beyond <see cref="HostFile"/>: descriptor-relative opens
/// (including openat2(2) with RESOLVE_IN_ROOT), statx on a descriptor, readlinkat, directory
/// listing on a descriptor, the namespace ioctl NS_GET_PARENT, and sysconf(_SC_CLK_TCK).
/// Paths are bytes; every wrapper returns 0 or an errno and never throws for a bad source.
/// Only 64-bit Linux (the same targets as Core's file capture).
/// </summary>
internal static unsafe partial class HostNative
{
    private const string Libc = "libc";

    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_NO_AUTOMOUNT = 0x800;
    public const int AT_EMPTY_PATH = 0x1000;

    public const uint STATX_BASIC_STATS = 0x7ff;
    public const uint STATX_BTIME = 0x800;
    public const uint STATX_ATIME = 0x20;
    public const uint STATX_MTIME = 0x40;
    public const uint STATX_CTIME = 0x80;

    // open(2) flags shared by x86-64, arm64 and the other asm-generic architectures.
    public const int O_RDONLY = 0;
    public const int O_NOCTTY = 0x100;
    public const int O_NONBLOCK = 0x800;
    public const int O_CLOEXEC = 0x80000;
    public const int O_NOATIME = 0x40000;
    public const int O_PATH = 0x200000;

    // O_DIRECTORY and O_NOFOLLOW differ on arm64 and powerpc (arch fcntl.h).
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

    public const uint S_IFMT = 0xF000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFDIR = 0x4000;

    /// <summary>Where d_name starts in glibc's and musl's struct dirent on 64-bit targets.</summary>
    private const int DirentNameOffset = 19;

#pragma warning disable CA1810 // the values depend on the architecture, known only at run time
    static HostNative()
#pragma warning restore CA1810
    {
        if (!OperatingSystem.IsLinux() || !Environment.Is64BitProcess)
        {
            throw new PlatformNotSupportedException("host evidence needs 64-bit Linux");
        }
        switch (RuntimeInformation.ProcessArchitecture)
        {
            case Architecture.Arm64:
                O_DIRECTORY = 0x4000;
                O_NOFOLLOW = 0x8000;
                NS_GET_PARENT = 0xb702;
                break;
            case Architecture.Ppc64le:
                O_DIRECTORY = 0x4000;
                O_NOFOLLOW = 0x8000;
                NS_GET_PARENT = 0x2000b702;
                break;
            case Architecture.X64:
            case Architecture.RiscV64:
            case Architecture.LoongArch64:
            case Architecture.S390x:
                O_DIRECTORY = 0x10000;
                O_NOFOLLOW = 0x20000;
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

    [StructLayout(LayoutKind.Explicit, Size = 16)]
    public struct StatxTimestamp
    {
        [FieldOffset(0)] public long Seconds;
        [FieldOffset(8)] public uint Nanoseconds;
    }

    /// <summary>struct statx (include/uapi/linux/stat.h), one layout on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    public struct StatxBuffer
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(16)] public uint LinkCount;
        [FieldOffset(20)] public uint Uid;
        [FieldOffset(24)] public uint Gid;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(32)] public ulong Inode;
        [FieldOffset(40)] public ulong Size;
        [FieldOffset(48)] public ulong Blocks;
        [FieldOffset(64)] public StatxTimestamp AccessTime;
        [FieldOffset(80)] public StatxTimestamp BirthTime;
        [FieldOffset(96)] public StatxTimestamp ChangeTime;
        [FieldOffset(112)] public StatxTimestamp ModifyTime;
        [FieldOffset(128)] public uint RdevMajor;
        [FieldOffset(132)] public uint RdevMinor;
        [FieldOffset(136)] public uint DevMajor;
        [FieldOffset(140)] public uint DevMinor;
    }

    [LibraryImport(Libc, EntryPoint = "openat", SetLastError = true)]
    private static partial int SysOpenAt(int dirfd, byte* pathname, int flags);

    /// <summary>syscall(2) with four arguments. Variadic in C, but every argument is a full register and glibc's syscall() reads no floating-point ones.</summary>
    [LibraryImport(Libc, EntryPoint = "syscall", SetLastError = true)]
    private static partial long SysCall4(long number, long a1, long a2, long a3, long a4);

    [LibraryImport(Libc, EntryPoint = "close", SetLastError = true)]
    private static partial int SysClose(int fd);

    [LibraryImport(Libc, EntryPoint = "pread", SetLastError = true)]
    private static partial nint SysPread(int fd, byte* buf, nuint count, long offset);

    [LibraryImport(Libc, EntryPoint = "statx", SetLastError = true)]
    private static partial int SysStatx(int dirfd, byte* pathname, int flags, uint mask, StatxBuffer* statxbuf);

    [LibraryImport(Libc, EntryPoint = "readlinkat", SetLastError = true)]
    private static partial nint SysReadlinkAt(int dirfd, byte* pathname, byte* buf, nuint bufsiz);

    [LibraryImport(Libc, EntryPoint = "ioctl", SetLastError = true)]
    private static partial int SysIoctl(int fd, ulong request, nint argument);

    [LibraryImport(Libc, EntryPoint = "sysconf", SetLastError = true)]
    private static partial long SysSysconf(int name);

    [LibraryImport(Libc, EntryPoint = "fdopendir", SetLastError = true)]
    private static partial nint SysFdopendir(int fd);

    [LibraryImport(Libc, EntryPoint = "readdir", SetLastError = true)]
    private static partial nint SysReaddir(nint dir);

    [LibraryImport(Libc, EntryPoint = "closedir", SetLastError = true)]
    private static partial int SysClosedir(nint dir);

    /// <summary>openat(2), retried on EINTR; the caller owns the descriptor on success.</summary>
    public static int OpenAt(int dirfd, ReadOnlySpan<byte> path, int flags, out int fd)
    {
        fd = -1;
        if (path.Contains((byte)0))
        {
            return UnixError.EINVAL;
        }
        using var z = new CString(path);
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
        using var z = new CString(path);
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

    public static int Close(int fd) => SysClose(fd) < 0 ? Marshal.GetLastPInvokeError() : 0;

    /// <summary>pread(2), retried on EINTR; the byte count (0 at the end) or -errno.</summary>
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

    /// <summary>statx(2) of <paramref name="path"/> relative to <paramref name="dirfd"/> (empty path: the descriptor itself), never automounting.</summary>
    public static int Statx(int dirfd, ReadOnlySpan<byte> path, int flags, out StatxBuffer buffer)
    {
        buffer = default;
        if (path.Contains((byte)0))
        {
            return UnixError.EINVAL;
        }
        using var z = new CString(path);
        fixed (byte* p = z.Value)
        fixed (StatxBuffer* b = &buffer)
        {
            int rc;
            do
            {
                rc = SysStatx(dirfd, p, flags | AT_NO_AUTOMOUNT | (path.IsEmpty ? AT_EMPTY_PATH : 0), STATX_BASIC_STATS | STATX_BTIME, b);
            }
            while (rc < 0 && Marshal.GetLastPInvokeError() == UnixError.EINTR);
            return rc < 0 ? Marshal.GetLastPInvokeError() : 0;
        }
    }

    /// <summary>readlinkat(2), byte-exact; grows the buffer until the target fits.</summary>
    public static int ReadLinkAt(int dirfd, ReadOnlySpan<byte> path, out byte[]? target)
    {
        target = null;
        if (path.Contains((byte)0))
        {
            return UnixError.EINVAL;
        }
        using var z = new CString(path);
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
                if (buffer.Length >= 1 << 20)
                {
                    return UnixError.ENAMETOOLONG;
                }
                size = buffer.Length * 2;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
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

    /// <summary>
    /// Every name in the directory open as <paramref name="fd"/> but "." and "..". The descriptor
    /// is consumed (closedir closes it). readdir returns NULL at the end and on error; errno,
    /// cleared by the generated stub, tells them apart.
    /// </summary>
    public static int ReadDirectoryNames(int fd, List<byte[]> names)
    {
        nint dir = SysFdopendir(fd);
        if (dir == 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            SysClose(fd);
            return errno;
        }
        try
        {
            while (true)
            {
                nint entry = SysReaddir(dir);
                if (entry == 0)
                {
                    return Marshal.GetLastPInvokeError();
                }
                var name = MemoryMarshal.CreateReadOnlySpanFromNullTerminated((byte*)entry + DirentNameOffset);
                if (name.SequenceEqual("."u8) || name.SequenceEqual(".."u8))
                {
                    continue;
                }
                names.Add(name.ToArray());
            }
        }
        finally
        {
            SysClosedir(dir);
        }
    }

    /// <summary>A NUL-terminated copy of a path from the pool.</summary>
    private readonly ref struct CString
    {
        private readonly byte[] _rented;

        public CString(ReadOnlySpan<byte> value)
        {
            _rented = ArrayPool<byte>.Shared.Rent(value.Length + 1);
            value.CopyTo(_rented);
            _rented[value.Length] = 0;
            Value = _rented.AsSpan(0, value.Length + 1);
        }

        public Span<byte> Value { get; }

        public void Dispose() => ArrayPool<byte>.Shared.Return(_rented);
    }
}
