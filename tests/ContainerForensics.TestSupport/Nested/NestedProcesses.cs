using System.Globalization;

namespace ContainerForensics.TestSupport.Nested;

/// <summary>
/// The rig's own view of nested processes, independent of cfir's translator
/// (HostPidTranslator): the host process that a node's runtime calls pid P is the one whose
/// <c>NSpid:</c> line (proc_pid_status(5): its pid in each pid namespace, the host's first) has P
/// at the node's depth, and whose parent (the runtime's shim, which reaps the container's
/// init) is a process of the node's pid namespace. A sibling node's process with the same inner
/// pid has a parent in another namespace.
/// </summary>
public static class NestedProcesses
{
    /// <summary>The inode of a process's pid namespace; null when it is gone.</summary>
    public static ulong? PidNamespaceOf(int pid)
    {
        string? link;
        try
        {
            link = new FileInfo($"/proc/{Text(pid)}/ns/pid").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
        // "pid:[4026532301]"
        return link is not null && link.StartsWith("pid:[", StringComparison.Ordinal) && link.EndsWith(']')
            && ulong.TryParse(link.AsSpan(5, link.Length - 6), NumberStyles.None, CultureInfo.InvariantCulture, out ulong inode) ? inode : null;
    }

    /// <summary>The NSpid line of a process (host pid first), or null when it is gone.</summary>
    public static IReadOnlyList<int>? NamespacePids(int pid) => StatusField(pid, "NSpid:")?
        .Split('\t', ' ', StringSplitOptions.RemoveEmptyEntries)
        .Select(v => int.Parse(v, NumberStyles.None, CultureInfo.InvariantCulture))
        .ToList();

    /// <summary>/proc/&lt;pid&gt;/cmdline, or null when the process is gone.</summary>
    public static byte[]? Cmdline(int pid)
    {
        try
        {
            return File.ReadAllBytes($"/proc/{Text(pid)}/cmdline");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>
    /// The host pid of the process that the runtime in a node (its init <paramref name="nodeHostPid"/>,
    /// in pid namespace <paramref name="nodePidNamespace"/>) calls <paramref name="innerPid"/>, when
    /// it is the init of a container nested one level further down (or any process of the node
    /// itself); null when there is none yet.
    /// </summary>
    public static int? HostPidOf(int nodeHostPid, ulong nodePidNamespace, int innerPid)
    {
        if (NamespacePids(nodeHostPid) is not { Count: > 1 } nodeLevels)
        {
            return null;
        }
        int depth = nodeLevels.Count - 1;
        var found = new List<int>();
        foreach (string entry in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out int pid)
                || NamespacePids(pid) is not { } levels || levels.Count <= depth || levels[depth] != innerPid)
            {
                continue;
            }
            bool inNode = PidNamespaceOf(pid) == nodePidNamespace;
            bool parentInNode = StatusField(pid, "PPid:") is { } ppid
                && int.TryParse(ppid.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int parent)
                && PidNamespaceOf(parent) == nodePidNamespace;
            if (inNode || parentInNode)
            {
                found.Add(pid);
            }
        }
        return found.Count == 1 ? found[0]
            : found.Count == 0 ? null
            : throw new InvalidOperationException($"host pids {string.Join(", ", found)} are all pid {innerPid} of pid:[{nodePidNamespace}]");
    }

    private static string? StatusField(int pid, string field)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{Text(pid)}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    return line[field.Length..];
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // exited while being read
        }
        return null;
    }

    private static string Text(int pid) => pid.ToString(CultureInfo.InvariantCulture);
}
