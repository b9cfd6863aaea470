using System.Globalization;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// Capability bit numbers and names, include/uapi/linux/capability.h (capabilities(7)), up to
/// CAP_CHECKPOINT_RESTORE (40, Linux 5.9). A bit past the table is named "CAP_&lt;n&gt;" rather than dropped.
/// </summary>
internal static class LinuxCapabilities
{
    private static readonly string[] Names =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
        "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER",
        "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT",
        "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
        "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL",
        "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>The names of the bits set in a capability mask, lowest bit first.</summary>
    public static IReadOnlyList<string> Decode(ulong mask)
    {
        var names = new List<string>();
        for (int bit = 0; bit < 64; bit++)
        {
            if ((mask & (1UL << bit)) != 0)
            {
                names.Add(bit < Names.Length ? Names[bit] : "CAP_" + bit.ToString(CultureInfo.InvariantCulture));
            }
        }
        return names;
    }

    /// <summary>seccomp mode as /proc/&lt;pid&gt;/status shows it (proc_pid_status(5)).</summary>
    public static string SeccompModeName(int mode) => mode switch
    {
        0 => "disabled",
        1 => "strict",
        2 => "filter",
        _ => "unknown (" + mode.ToString(CultureInfo.InvariantCulture) + ")",
    };
}
