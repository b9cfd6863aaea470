using System.Globalization;
using System.Text;
using ContainerForensics.HostEvidence.Interop;

namespace ContainerForensics.HostEvidence.Memory;

/// <summary>
/// What the core file's notes say about the process, read from /proc without stopping or
/// attaching to it: /proc/&lt;pid&gt;/stat and status (state, parents, credentials, signals,
/// CPU times), cmdline (psargs), auxv, and per thread task/&lt;tid&gt;/stat, status and syscall.
/// Pids are as the host sees them. Anything that cannot be read stays zero: the notes are a
/// courtesy for debuggers, the memory is the evidence.
/// </summary>
internal sealed record ProcessFacts
{
    public required int Pid { get; init; }

    /// <summary>comm, raw (at most 15 bytes).</summary>
    public byte[] Command { get; init; } = [];

    /// <summary>cmdline, at most <see cref="CmdlineBytes"/> bytes of it, NUL-separated as read.</summary>
    public byte[] Cmdline { get; init; } = [];

    public char State { get; init; } = '?';

    public int ParentPid { get; init; }

    public int ProcessGroup { get; init; }

    public int Session { get; init; }

    /// <summary>The kernel's task flags (PF_*), field 9 of stat.</summary>
    public ulong Flags { get; init; }

    public int Nice { get; init; }

    /// <summary>Real uid and gid as the host sees them (the first column of Uid:/Gid: in status).</summary>
    public uint Uid { get; init; }

    public uint Gid { get; init; }

    public CpuTimes ChildrenTimes { get; init; }

    /// <summary>/proc/&lt;pid&gt;/auxv, verbatim; empty when unreadable.</summary>
    public byte[] Auxv { get; init; } = [];

    /// <summary>Every thread, the main one (tid == pid) first.</summary>
    public IReadOnlyList<ThreadFacts> Threads { get; init; } = [];

    /// <summary>psargs needs 80 bytes; the rest of a long command line is not read.</summary>
    public const int CmdlineBytes = 4096;

    public static ProcessFacts Read(ProcessDirectory process, CancellationToken cancellationToken)
    {
        var facts = new ProcessFacts { Pid = process.Pid };
        if (process.ReadFile("stat", 4096, out var stat) == 0 && StatFields.TryParse(stat, out var s))
        {
            facts = facts with
            {
                Command = s.Command,
                State = s.State,
                ParentPid = s.ParentPid,
                ProcessGroup = s.ProcessGroup,
                Session = s.Session,
                Flags = s.Flags,
                Nice = s.Nice,
                ChildrenTimes = s.ChildrenTimes,
            };
        }
        if (process.ReadFile("status", 64 * 1024, out var status) == 0)
        {
            var fields = StatusFields(status);
            facts = facts with { Uid = FirstNumber(fields, "Uid"), Gid = FirstNumber(fields, "Gid") };
        }
        if (process.ReadFile("cmdline", CmdlineBytes, out var cmdline) == 0)
        {
            facts = facts with { Cmdline = cmdline };
        }
        if (process.ReadFile("auxv", 64 * 1024, out var auxv) == 0)
        {
            facts = facts with { Auxv = auxv };
        }
        cancellationToken.ThrowIfCancellationRequested();

        var threads = new List<ThreadFacts>();
        if (process.ListNumbers("task", out var tids) != 0 || tids.Count == 0)
        {
            tids = [process.Pid];
        }
        tids.Sort((a, b) => a == b ? 0 : a == process.Pid ? -1 : b == process.Pid ? 1 : a.CompareTo(b));
        foreach (int tid in tids)
        {
            cancellationToken.ThrowIfCancellationRequested();
            threads.Add(ThreadFacts.Read(process, tid));
        }
        return facts with { Threads = threads };
    }

    internal static Dictionary<string, string> StatusFields(byte[] status)
    {
        var fields = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(status).Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
        }
        return fields;
    }

    internal static ulong Hex(Dictionary<string, string> fields, string key) =>
        fields.TryGetValue(key, out var v) && ulong.TryParse(v, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong n) ? n : 0;

    private static uint FirstNumber(Dictionary<string, string> fields, string key)
    {
        if (!fields.TryGetValue(key, out var v))
        {
            return 0;
        }
        var first = v.Split(['\t', ' '], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
        return uint.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out uint n) ? n : 0;
    }
}
