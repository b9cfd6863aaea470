using ContainerForensics.Core.Evidence;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// What was learnt about one process during its capture: the decoded fields for processes.json
/// and processes.txt, and what became of each raw item. Filled step by step; a step that failed
/// leaves its fields null and says why in <see cref="Notes"/> or <see cref="Items"/>.
/// </summary>
internal sealed class ProcessRecord(int pid)
{
    public int Pid { get; } = pid;

    /// <summary>In a PID namespace nested below the container's (found through NS_GET_PARENT).</summary>
    public bool NestedPidNamespace { get; init; }

    /// <summary>Null while alive; "before capture" or "during capture" once the process was seen gone.</summary>
    public string? Exited { get; set; }

    public ProcStat? Stat { get; set; }

    public ProcStatus? Status { get; set; }

    /// <summary>argv as the kernel shows it: NUL-separated (a process may have rewritten it).</summary>
    public List<byte[]>? Argv { get; set; }

    /// <summary>Set when the cmdline does not end in NUL (a rewritten argv area).</summary>
    public bool ArgvUnterminated { get; set; }

    public UnixTime? StartTime { get; set; }

    public byte[]? ExeTarget { get; set; }

    /// <summary>No name of the executable's inode is left (nlink 0): deleted after exec, or a memfd.</summary>
    public bool? ExeDeleted { get; set; }

    public ulong? ExeLinkCount { get; set; }

    public string? ExeSha256 { get; set; }

    public long? ExeSize { get; set; }

    /// <summary>When the same executable was already stored for another process: that entry's archive path.</summary>
    public string? ExeStoredAs { get; set; }

    public ulong? ExeInode { get; set; }

    public string? ExeDevice { get; set; }

    public byte[]? Cwd { get; set; }

    public byte[]? Root { get; set; }

    public List<FileDescriptorLink>? Fds { get; set; }

    /// <summary>Namespace type (net, pid, mnt, ...) → link text, e.g. "net:[4026532345]".</summary>
    public SortedDictionary<string, byte[]>? Namespaces { get; set; }

    public List<byte[]>? CgroupLines { get; set; }

    /// <summary>The mountinfo bytes as archived (the init's become mounts.json).</summary>
    public byte[]? MountInfo { get; set; }

    /// <summary>/proc/&lt;pid&gt;/loginuid; 4294967295 means unset (no login session).</summary>
    public uint? LoginUid { get; set; }

    /// <summary>Raw item name (cmdline, exe, fd/3, ...) → its outcome when it was not Collected.</summary>
    public SortedDictionary<string, string> Items { get; } = new(StringComparer.Ordinal);

    public List<string> Notes { get; } = [];

    /// <summary>The inode of the network namespace, from ns/net.</summary>
    public ulong? NetNamespaceInode => Namespaces is not null && Namespaces.TryGetValue("net", out var link) ? LinkInode(link) : null;

    /// <summary>The command name for people: comm from stat.</summary>
    public string? Command => Stat is null ? null : EvidenceJson.TryUtf8(Stat.Command) ?? EvidenceJson.Printable(Stat.Command);

    /// <summary>"net:[4026532345]" → 4026532345; "socket:[123]" → 123.</summary>
    public static ulong? LinkInode(ReadOnlySpan<byte> link)
    {
        int open = link.IndexOf((byte)'[');
        if (open < 0 || link.Length < open + 3 || link[^1] != (byte)']')
        {
            return null;
        }
        return ulong.TryParse(link[(open + 1)..^1], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong v) ? v : null;
    }
}

/// <summary>One entry of /proc/&lt;pid&gt;/fd: the descriptor, its link target byte-exact, and the access mode the link's permission bits show.</summary>
internal sealed record FileDescriptorLink(int Fd, byte[]? Target, string? Access, string? Error)
{
    /// <summary>"socket:[inode]" → the socket's inode.</summary>
    public ulong? SocketInode => Target is { } t && t.AsSpan().StartsWith("socket:["u8) ? ProcessRecord.LinkInode(t) : null;
}
