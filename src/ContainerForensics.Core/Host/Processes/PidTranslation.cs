namespace ContainerForensics.Core.Host.Processes;

/// <summary>
/// A runtime's pid and the host pid it is, or why there is none (<see cref="HostPidTranslator"/>).
/// Both pids go into capture.json: the runtime's is what its own records say, the host's is
/// the /proc directory every process file was read from.
/// </summary>
public sealed record PidTranslation(int RuntimePid, int? HostPid, string How)
{
    public static PidTranslation Same(int pid, string how) => new(pid, pid, how);

    public static PidTranslation Refused(int runtimePid, string why) => new(runtimePid, null, why);
}
