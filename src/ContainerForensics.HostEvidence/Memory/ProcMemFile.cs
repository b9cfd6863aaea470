using ContainerForensics.Core.FileSystem;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// /proc/&lt;pid&gt;/mem opened through the pinned process directory and read with pread(2) at
/// virtual addresses. Reading takes no ptrace attach: the process is neither stopped nor
/// signalled, and keeps running while it is read (proc(5), "/proc/pid/mem"; access needs
/// PTRACE_MODE_ATTACH_FSCREDS, which root has). The descriptor holds the address space it was
/// opened on: once the process exits, reads return 0.
/// </summary>
internal sealed class ProcMemFile : IProcessMemory
{
    private readonly ProcessDirectory _process;
    private readonly FileDescriptor _mem;

    private ProcMemFile(ProcessDirectory process, FileDescriptor mem)
    {
        _process = process;
        _mem = mem;
    }

    /// <summary>Opens mem of the process; takes ownership of <paramref name="process"/> on success.</summary>
    public static int Open(ProcessDirectory process, out ProcMemFile? memory)
    {
        memory = null;
        int errno = process.Open("mem", out var fd);
        if (errno == 0)
        {
            memory = new ProcMemFile(process, fd!);
        }
        return errno;
    }

    public long Read(ulong address, Span<byte> buffer)
    {
        if (address > long.MaxValue)
        {
            return -UnixError.EIO;
        }
        using var lease = _mem.Borrow();
        return Native.Pread(lease.Fd, buffer, (long)address);
    }

    public bool IsAlive() => _process.IsAlive();

    public void Dispose()
    {
        _mem.Dispose();
        _process.Dispose();
    }
}
