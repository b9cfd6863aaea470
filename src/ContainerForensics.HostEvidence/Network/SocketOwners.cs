using System.Globalization;
using ContainerForensics.HostEvidence.Interop;
using ContainerForensics.HostEvidence.Network.Parsing;

namespace ContainerForensics.HostEvidence.Network;

/// <summary>
/// Who holds which socket: for each process, every entry of /proc/&lt;pid&gt;/fd whose link reads
/// "socket:[inode]" (proc(5)). The map is what <see cref="NetworkNamespaceEvidence.CollectAsync"/>
/// ties sockets to their processes with.
/// </summary>
public static class SocketOwners
{
    /// <summary>
    /// The sockets held by <paramref name="pids"/>. A process that exits or cannot be read is
    /// left out (see the overload to hear about it); owners of one socket are sorted by pid and fd.
    /// </summary>
    public static IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>> FromProcesses(IEnumerable<int> pids) =>
        FromProcesses("/proc", pids, null);

    /// <param name="pids">The processes to look at (a container's, found by their pid namespace).</param>
    /// <param name="onProblem">Told of each process that could not be read, and why.</param>
    public static IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>> FromProcesses(IEnumerable<int> pids, Action<int, string>? onProblem) =>
        FromProcesses("/proc", pids, onProblem);

    internal static IReadOnlyDictionary<ulong, IReadOnlyList<SocketOwner>> FromProcesses(string procRoot, IEnumerable<int> pids, Action<int, string>? onProblem)
    {
        ArgumentNullException.ThrowIfNull(pids);
        var found = new Dictionary<ulong, List<SocketOwner>>();
        foreach (int pid in pids.Distinct())
        {
            // Pinned, so a pid reused mid-way fails instead of lending its fds to the wrong process.
            int errno = ProcessDirectory.Open(procRoot, pid, out var opened);
            using var process = opened;
            if (process is null)
            {
                onProblem?.Invoke(pid, "cannot open the process: " + Core.FileSystem.UnixError.Describe(errno));
                continue;
            }
            string? command = ReadCommand(process);
            try
            {
                foreach (string entry in Directory.EnumerateFileSystemEntries(process.PathOf("fd")))
                {
                    string name = Path.GetFileName(entry);
                    if (!int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int fd))
                    {
                        continue;
                    }
                    string? target = process.ReadLinkText("fd/" + name, out _);  // closed meanwhile: nothing to see
                    if (TryParseSocketLink(target, out ulong inode))
                    {
                        if (!found.TryGetValue(inode, out var list))
                        {
                            found[inode] = list = [];
                        }
                        list.Add(new SocketOwner(pid, fd, command));
                    }
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                onProblem?.Invoke(pid, "cannot list its file descriptors: " + ex.Message);
            }
        }
        return found.ToDictionary(
            kv => kv.Key,
            kv => (IReadOnlyList<SocketOwner>)kv.Value.OrderBy(o => o.Pid).ThenBy(o => o.Fd).ToList());
    }

    /// <summary>"socket:[12345]" → 12345.</summary>
    internal static bool TryParseSocketLink(string? target, out ulong inode)
    {
        inode = 0;
        return target is not null && target.StartsWith("socket:[", StringComparison.Ordinal) && target.EndsWith(']') &&
               ulong.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out inode);
    }

    /// <summary>/proc/&lt;pid&gt;/comm, escaped (the process names itself: any byte may be there).</summary>
    private static string? ReadCommand(ProcessDirectory process)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(process.PathOf("comm"));
            int length = bytes.Length > 0 && bytes[^1] == (byte)'\n' ? bytes.Length - 1 : bytes.Length;
            return RawName.Escape(bytes.AsSpan(0, length), out _);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
