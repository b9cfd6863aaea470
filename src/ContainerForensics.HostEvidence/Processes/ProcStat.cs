using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// The fields of /proc/&lt;pid&gt;/stat this collector decodes (proc_pid_stat(5)). The command
/// name sits in parentheses and may itself hold spaces and ')' — it is whatever the process
/// wrote with prctl(PR_SET_NAME) — so the fields are counted from the LAST ')'.
/// </summary>
internal sealed record ProcStat
{
    /// <summary>comm, raw bytes (at most 15 of them, any byte but NUL).</summary>
    public required byte[] Command { get; init; }

    /// <summary>Field 3: R, S, D, Z, T, t, X, I, ...</summary>
    public required char State { get; init; }

    /// <summary>Field 4.</summary>
    public required int ParentPid { get; init; }

    public int ProcessGroup { get; init; }

    public int Session { get; init; }

    /// <summary>Field 20.</summary>
    public long Threads { get; init; }

    /// <summary>Field 22: when the process started, in clock ticks (USER_HZ) since boot.</summary>
    public required ulong StartTicks { get; init; }

    public static ProcStat? TryParse(ReadOnlySpan<byte> text)
    {
        int open = text.IndexOf((byte)'(');
        int close = text.LastIndexOf((byte)')');
        if (open < 0 || close < open || close + 2 > text.Length)
        {
            return null;
        }
        var rest = Encoding.ASCII.GetString(text[(close + 1)..]).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        // rest[0] is field 3; field n is rest[n - 3].
        if (rest.Length < 20 || rest[0].Length != 1 ||
            !int.TryParse(rest[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out int ppid) ||
            !ulong.TryParse(rest[19], NumberStyles.None, CultureInfo.InvariantCulture, out ulong start))
        {
            return null;
        }
        _ = int.TryParse(rest[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out int pgrp);
        _ = int.TryParse(rest[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out int session);
        _ = long.TryParse(rest[17], NumberStyles.Integer, CultureInfo.InvariantCulture, out long threads);
        return new ProcStat
        {
            Command = text[(open + 1)..close].ToArray(),
            State = rest[0][0],
            ParentPid = ppid,
            ProcessGroup = pgrp,
            Session = session,
            Threads = threads,
            StartTicks = start,
        };
    }
}
