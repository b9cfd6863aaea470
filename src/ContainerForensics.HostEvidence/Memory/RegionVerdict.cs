namespace ContainerForensics.HostEvidence.Memory;

/// <summary>Why a mapping is, or is not, a PT_LOAD of the core.</summary>
internal enum RegionVerdict
{
    Dumped,

    /// <summary>No read permission (guard pages, PROT_NONE reservations): nothing to read.</summary>
    NotReadable,

    /// <summary>[vvar], [vvar_vclock], [vsyscall]: kernel pages, the same in every process; the kernel leaves them out too.</summary>
    KernelPage,

    /// <summary>
    /// Device or I/O memory (VmFlags io or pf, or a mapped character or block device): reading
    /// it can reach hardware registers through the driver, so it is never read.
    /// </summary>
    DeviceMemory,

    /// <summary>Readable, but it would have taken the core past the size cap.</summary>
    OverCap,
}
