namespace ContainerForensics.HostEvidence.Memory;

/// <summary>User and system CPU time in clock ticks (USER_HZ), as /proc reports them.</summary>
internal readonly record struct CpuTimes(ulong UserTicks, ulong SystemTicks);
