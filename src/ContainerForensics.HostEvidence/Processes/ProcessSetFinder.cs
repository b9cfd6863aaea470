using System.Text;
using ContainerForensics.Core.FileSystem;
using ContainerForensics.Core.Host.Processes;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// Finds every process of a container from its init pid, runtime-agnostically, in the host's
/// /proc:
/// <list type="number">
/// <item>By PID namespace: every numeric /proc entry whose ns/pid is the init's (same nsfs device
/// and inode, namespaces(7)) — which includes "docker exec" sessions, and the processes of other
/// containers sharing that namespace (a pod with shareProcessNamespace). A process in a PID
/// namespace nested below the container's (unshare -p inside it, a sandbox) is found by walking
/// up with ioctl NS_GET_PARENT (ioctl_ns(2)).</item>
/// <item>By cgroup, when the init's PID namespace cannot be read, or is the host's own (--pid=host:
/// then every host process would match): processes whose cgroup (the unified "0::" line, else the
/// pids controller's) is the init's or below it.</item>
/// </list>
/// Nothing is opened but ns links and, for the fallback, cgroup files.
/// </summary>
internal sealed class ProcessSetFinder(string procRoot)
{
    private readonly PidNamespaceTree _tree = new(procRoot);

    public ProcessSet Find(int initPid)
    {
        var initNs = _tree.NamespaceOf(initPid, out int errno);
        string? initNsLink = ReadLink($"{procRoot}/{initPid}/ns/pid");
        if (initNs is null)
        {
            return ByCgroup(initPid, $"the init's PID namespace could not be read ({UnixError.Describe(errno)})", initNsLink);
        }
        var ownNs = _tree.Own();
        if (ownNs is not null && ownNs.IsSameFile(initNs))
        {
            return ByCgroup(initPid, "the container shares the host's PID namespace (--pid=host): processes selected by cgroup instead", initNsLink);
        }

        var members = new List<ProcessMember>();
        var undecided = new List<(int, int)>();
        var pids = _tree.ListPids(out int listErrno);
        foreach (int pid in pids)
        {
            if (pid == initPid)
            {
                continue;
            }
            var ns = _tree.NamespaceOf(pid, out int e);
            if (ns is null)
            {
                if (e != UnixError.ENOENT)
                {
                    undecided.Add((pid, e));  // ENOENT: exited meanwhile, or a kernel thread without namespaces
                }
                continue;
            }
            if (ns.IsSameFile(initNs))
            {
                members.Add(new ProcessMember(pid, false));
            }
            else if ((ownNs is null || !ns.IsSameFile(ownNs)) && _tree.IsBelow(pid, initNs, ownNs))
            {
                members.Add(new ProcessMember(pid, true));
            }
        }
        var set = new ProcessSet
        {
            InitPid = initPid,
            Members = [new ProcessMember(initPid, false), .. members.OrderBy(m => m.Pid)],
            Method = "pid namespace",
            PidNamespace = initNsLink,
            Undecided = undecided,
        };
        if (listErrno != 0)
        {
            set.Notes.Add($"listing {procRoot} stopped early: {UnixError.Describe(listErrno)}");
        }
        return set;
    }

    private ProcessSet ByCgroup(int initPid, string why, string? initNsLink)
    {
        var notes = new List<string> { why };
        string? initCgroup = KeyCgroup(initPid, out string? problem);
        if (initCgroup is null || initCgroup == "/")
        {
            notes.Add(initCgroup is null
                ? $"the init's cgroup could not be read either ({problem}): only the init is collected"
                : "the init is in the root cgroup, which cannot tell the container's processes apart: only the init is collected");
            return new ProcessSet { InitPid = initPid, Members = [new ProcessMember(initPid, false)], Method = "init only", PidNamespace = initNsLink, Notes = notes };
        }
        var members = new List<ProcessMember>();
        var undecided = new List<(int, int)>();
        var pids = _tree.ListPids(out int listErrno);
        foreach (int pid in pids)
        {
            if (pid == initPid)
            {
                continue;
            }
            string? cgroup = KeyCgroup(pid, out _, out int errno);
            if (cgroup is null)
            {
                if (errno is not 0 and not UnixError.ENOENT)
                {
                    undecided.Add((pid, errno));
                }
                continue;
            }
            if (cgroup == initCgroup || cgroup.StartsWith(initCgroup + "/", StringComparison.Ordinal))
            {
                members.Add(new ProcessMember(pid, false));
            }
        }
        if (listErrno != 0)
        {
            notes.Add($"listing {procRoot} stopped early: {UnixError.Describe(listErrno)}");
        }
        return new ProcessSet
        {
            InitPid = initPid,
            Members = [new ProcessMember(initPid, false), .. members.OrderBy(m => m.Pid)],
            Method = "cgroup",
            PidNamespace = initNsLink,
            Cgroup = initCgroup,
            Notes = notes,
            Undecided = undecided,
        };
    }

    private string? KeyCgroup(int pid, out string? problem) => KeyCgroup(pid, out problem, out _);

    /// <summary>The cgroup path that identifies a container: the unified hierarchy's ("0::/..."), else the pids controller's, else the first line's.</summary>
    private string? KeyCgroup(int pid, out string? problem, out int errno)
    {
        problem = null;
        errno = 0;
        string[] lines;
        try
        {
            lines = File.ReadAllText($"{procRoot}/{pid}/cgroup").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = ex.Message;
            errno = ex is FileNotFoundException or DirectoryNotFoundException ? UnixError.ENOENT : ex is UnauthorizedAccessException ? UnixError.EACCES : ex.HResult;
            return null;
        }
        var parsed = lines.Select(l => l.Split(':', 3)).Where(p => p.Length == 3).ToList();
        var key = parsed.FirstOrDefault(p => p[0] == "0" && p[1].Length == 0)
            ?? parsed.FirstOrDefault(p => p[1].Split(',').Contains("pids"))
            ?? parsed.FirstOrDefault();
        if (key is null)
        {
            problem = "no cgroup line";
        }
        return key?[2];
    }

    private static string? ReadLink(string path) =>
        Native.ReadLinkAt(Native.AT_FDCWD, Bytes(path), out byte[]? target) == 0 && target is not null ? Encoding.UTF8.GetString(target) : null;

    private static byte[] Bytes(string path) => Encoding.UTF8.GetBytes(path);
}
