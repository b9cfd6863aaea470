using System.Globalization;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// One thread as NT_PRSTATUS describes it. Registers cannot be read without ptrace, which
/// would stop and change the process; what /proc/&lt;tid&gt;/syscall tells of a thread blocked in
/// a system call (the call's number and arguments, the stack pointer and the program counter)
/// is all there is.
/// </summary>
internal sealed record ThreadFacts
{
    public required int Tid { get; init; }

    public int ParentPid { get; init; }

    public int ProcessGroup { get; init; }

    public int Session { get; init; }

    public CpuTimes Times { get; init; }

    /// <summary>SigPnd: signals pending for this thread.</summary>
    public ulong PendingSignals { get; init; }

    /// <summary>SigBlk: the thread's blocked mask.</summary>
    public ulong BlockedSignals { get; init; }

    /// <summary>From task/&lt;tid&gt;/syscall; null when the thread was running or the file unreadable.</summary>
    public SyscallState? Syscall { get; init; }

    public static ThreadFacts Read(ProcessDirectory process, int tid)
    {
        string dir = "task/" + tid.ToString(CultureInfo.InvariantCulture) + "/";
        var thread = new ThreadFacts { Tid = tid };
        if (process.ReadFile(dir + "stat", 4096, out var stat) == 0 && StatFields.TryParse(stat, out var s))
        {
            thread = thread with { ParentPid = s.ParentPid, ProcessGroup = s.ProcessGroup, Session = s.Session, Times = s.Times };
        }
        if (process.ReadFile(dir + "status", 64 * 1024, out var status) == 0)
        {
            var fields = ProcessFacts.StatusFields(status);
            thread = thread with { PendingSignals = ProcessFacts.Hex(fields, "SigPnd"), BlockedSignals = ProcessFacts.Hex(fields, "SigBlk") };
        }
        if (process.ReadFile(dir + "syscall", 512, out var syscall) == 0)
        {
            thread = thread with { Syscall = SyscallState.TryParse(syscall) };
        }
        return thread;
    }
}
