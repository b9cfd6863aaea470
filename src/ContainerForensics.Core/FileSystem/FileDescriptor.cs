using System.Runtime.InteropServices;

namespace ContainerForensics.Core.FileSystem;

/// <summary>
/// An owned Unix file descriptor. A SafeHandle, so a descriptor is closed exactly once, a
/// call in flight keeps it alive (no close-and-reuse of the number under a running pread),
/// and a forgotten one is closed by the finalizer instead of leaking.
/// </summary>
internal sealed class FileDescriptor : SafeHandle
{
    public FileDescriptor(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>Borrows the number for one call; the handle cannot be closed until the lease ends.</summary>
    public Lease Borrow() => new(this, (int)handle.ToInt64());

    protected override bool ReleaseHandle() => Native.Close((int)handle.ToInt64()) == 0;

    /// <summary>Keeps a SafeHandle referenced while its raw value is in use (DangerousAddRef / DangerousRelease).</summary>
    public readonly ref struct Lease
    {
        private readonly SafeHandle? _owner;

        public Lease(SafeHandle owner, int fd)
        {
            bool added = false;
            owner.DangerousAddRef(ref added);  // throws ObjectDisposedException once closed
            _owner = owner;
            Fd = fd;
        }

        public int Fd { get; }

        public void Dispose() => _owner?.DangerousRelease();
    }
}
