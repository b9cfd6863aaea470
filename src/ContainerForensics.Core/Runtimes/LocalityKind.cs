namespace ContainerForensics.Core.Runtimes;

/// <summary>Where a runtime endpoint runs relative to cfir (<see cref="RuntimeLocality"/>).</summary>
public enum LocalityKind
{
    /// <summary>On this kernel, in cfir's own pid namespace: its pids are /proc entries here.</summary>
    ThisHost,
    /// <summary>On this kernel, in a pid namespace below cfir's (a kind node, a daemon in a container): its pids are translated first.</summary>
    Nested,
    /// <summary>On another machine, or behind a connection cfir cannot tie to a process here (TCP).</summary>
    Remote,
    /// <summary>No live system: a root directory (a mounted disk image, dead-box acquisition).</summary>
    DiskImage,
    /// <summary>On this kernel, but where could not be proven; treated as not live: nothing is read from /proc for it.</summary>
    Unknown,
}
