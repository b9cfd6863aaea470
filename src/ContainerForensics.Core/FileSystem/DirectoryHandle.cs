using System.Runtime.InteropServices;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// An open directory stream (DIR* from fdopendir(3)) together with its descriptor, which the
/// walker uses as the anchor for openat/statx of the names in it. closedir closes both.
/// </summary>
internal sealed class DirectoryHandle : SafeHandle
{
    private DirectoryHandle(nint dir, int fd)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(dir);
        Fd = fd;
    }

    /// <summary>The descriptor inside the DIR; only valid while the handle is open (borrow it with <see cref="FileDescriptor.Lease"/>).</summary>
    public int Fd { get; }

    public override bool IsInvalid => handle == IntPtr.Zero;

    public FileDescriptor.Lease Borrow() => new(this, Fd);

    /// <summary>Wraps an open directory descriptor; on failure the descriptor is closed and the errno returned.</summary>
    public static int FromDescriptor(int fd, out DirectoryHandle? directory)
    {
        directory = null;
        int errno = Native.FdOpenDir(fd, out nint dir);
        if (errno != 0)
        {
            Native.Close(fd);
            return errno;
        }
        directory = new DirectoryHandle(dir, fd);
        return 0;
    }

    /// <summary>
    /// Every name in the directory open as <paramref name="fd"/> but "." and "..", unsorted; the
    /// descriptor is consumed (closed whatever happens). 0 or the errno that cut the listing short.
    /// </summary>
    public static int ReadNamesAndClose(int fd, List<byte[]> names)
    {
        int errno = FromDescriptor(fd, out var directory);
        if (errno != 0)
        {
            return errno;
        }
        using (directory)
        {
            return directory!.ReadAllNames(names);
        }
    }

    /// <summary>Every name in the directory but "." and "..", unsorted; 0 or the errno that cut the listing short.</summary>
    public int ReadAllNames(List<byte[]> names)
    {
        bool added = false;
        DangerousAddRef(ref added);
        try
        {
            return Native.ReadAllNames(handle, names);
        }
        finally
        {
            DangerousRelease();
        }
    }

    protected override bool ReleaseHandle() => Native.CloseDir(handle) == 0;
}
