namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// The address space a core's PT_LOADs are read from. The real one is /proc/&lt;pid&gt;/mem; tests
/// give a synthetic one to check the ELF layout without a process.
/// </summary>
internal interface IProcessMemory : IDisposable
{
    /// <summary>
    /// Reads at a virtual address: the byte count, 0 when the address space is gone (the process
    /// exited), or -errno (EIO for an address that cannot be read: a guard page, a mapping that
    /// went away, a file mapping past the end of its file).
    /// </summary>
    long Read(ulong address, Span<byte> buffer);

    /// <summary>Whether the process still exists with its memory (not exited, not a zombie).</summary>
    bool IsAlive();
}
