using System.Globalization;
using System.Text;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Core.Host.Processes;

/// <summary>
/// Turns the pid a runtime reports into the host pid whose /proc is read. A runtime reports pids
/// in its own pid namespace (<see cref="RuntimeLocality"/>): in cfir's, they are host pids; a
/// nested runtime's (containerd in a kind node says 152) are translated, never assumed.
/// <para>
/// Translation through NSpid (proc_pid_status(5)): the <c>NSpid:</c> line of a process's status
/// lists its pid in every pid namespace from the procfs's (cfir's) down to its own. The runtime's
/// namespace is at the depth its daemon's NSpid line gives (count − 1); the host process that is
/// pid P there is the one whose NSpid has P at that depth and whose own namespace is the
/// runtime's or lies below it (a container of the nested runtime has its own namespace, one
/// level further down; a sibling node at the same depth is not below it). Exactly one process
/// must match; none or several is a refusal with the reason, and nothing is read.
/// </para>
/// </summary>
public sealed class HostPidTranslator(string procRoot)
{
    private readonly PidNamespaceTree _tree = new(procRoot);

    public PidTranslation Translate(RuntimeLocality locality, int runtimePid)
    {
        ArgumentNullException.ThrowIfNull(locality);
        return locality.Kind switch
        {
            LocalityKind.ThisHost => PidTranslation.Same(runtimePid, "the runtime shares cfir's pid namespace: its pid is the host pid"),
            LocalityKind.Nested when locality is { DaemonPid: { } daemon, PidNamespace: { } ns } => Nested(runtimePid, daemon, ns),
            _ => PidTranslation.Refused(runtimePid, $"the runtime is {locality.Describe()} ({locality.Why}): its pids are no processes of this host"),
        };
    }

    private PidTranslation Nested(int runtimePid, int daemon, ulong ns)
    {
        string inNs = $"pid {Text(runtimePid)} of pid:[{ns.ToString(CultureInfo.InvariantCulture)}]";
        var target = _tree.NamespaceOf(daemon, out _);
        var depth = NamespacePids(daemon)?.Count - 1;
        if (target is null || target.Inode != ns || depth is not > 0)
        {
            return PidTranslation.Refused(runtimePid, $"{inNs} cannot be translated: the runtime's daemon (host pid {Text(daemon)}) is gone or no longer in that namespace");
        }
        var own = _tree.Own();
        var found = new List<int>();
        foreach (int pid in _tree.ListPids(out _))
        {
            if (NamespacePids(pid) is not { } nspid || nspid.Count <= depth.Value || nspid[depth.Value] != runtimePid)
            {
                continue;
            }
            if (_tree.NamespaceOf(pid, out _) is { } its && (its.IsSameFile(target) || _tree.IsBelow(pid, target, own)))
            {
                found.Add(pid);
            }
        }
        return found.Count switch
        {
            1 => new PidTranslation(runtimePid, found[0], $"{inNs} is host pid {Text(found[0])} (NSpid of {procRoot}/{Text(found[0])}/status)"),
            0 => PidTranslation.Refused(runtimePid, $"{inNs} cannot be translated: no process of this host has it in its NSpid line"),
            _ => PidTranslation.Refused(runtimePid, $"{inNs} cannot be translated: host pids {string.Join(", ", found)} all claim it"),
        };
    }

    /// <summary>The NSpid line of a process, host pid first; null when it cannot be read (exited, or a kernel without it).</summary>
    private IReadOnlyList<int>? NamespacePids(int pid)
    {
        byte[] status;
        try
        {
            status = File.ReadAllBytes($"{procRoot}/{Text(pid)}/status");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        return NamespacePidsOf(status);
    }

    /// <summary>
    /// The numbers of the <c>NSpid:</c> line of a status file ("NSpid:\t3151\t152\t1"), or null
    /// without one. The process documents decode the whole file; this is the one line translation needs.
    /// </summary>
    internal static IReadOnlyList<int>? NamespacePidsOf(ReadOnlySpan<byte> status)
    {
        ReadOnlySpan<byte> key = "NSpid:"u8;
        while (!status.IsEmpty)
        {
            int end = status.IndexOf((byte)'\n');
            var line = end < 0 ? status : status[..end];
            status = end < 0 ? [] : status[(end + 1)..];
            if (!line.StartsWith(key))
            {
                continue;
            }
            var pids = new List<int>();
            foreach (var part in Encoding.ASCII.GetString(line[key.Length..]).Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
                {
                    return null;
                }
                pids.Add(pid);
            }
            return pids.Count > 0 ? pids : null;
        }
        return null;
    }

    private static string Text(int pid) => pid.ToString(CultureInfo.InvariantCulture);
}
