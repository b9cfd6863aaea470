using System.Runtime.InteropServices;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// A descriptor this code opened: closed exactly once, kept alive by a call in flight (no
/// close-and-reuse of the number under a running pread), closed by the finalizer if forgotten.
/// </summary>
internal sealed class OwnedFd : SafeHandle
{
    public OwnedFd(int fd)
        : base(new IntPtr(-1), ownsHandle: true) => SetHandle(new IntPtr(fd));

    public override bool IsInvalid => handle.ToInt64() < 0;

    /// <summary>Borrows the number for one call; the handle cannot be closed until the lease ends.</summary>
    public Lease Borrow() => new(this);

    protected override bool ReleaseHandle() => MemoryNative.Close((int)handle.ToInt64()) == 0;

    public readonly ref struct Lease
    {
        private readonly OwnedFd _owner;

        public Lease(OwnedFd owner)
        {
            bool added = false;
            owner.DangerousAddRef(ref added);
            _owner = owner;
            Fd = (int)owner.DangerousGetHandle().ToInt64();
        }

        public int Fd { get; }

        public void Dispose() => _owner.DangerousRelease();
    }
}
