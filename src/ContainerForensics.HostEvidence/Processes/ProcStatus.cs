using System.Globalization;
using System.Text;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// The fields of /proc/&lt;pid&gt;/status this collector decodes (proc_pid_status(5)): identities,
/// capability sets, seccomp, no_new_privs, and the pid as each PID namespace sees it. Lines are
/// "Key:\tvalue"; unknown keys are ignored (the raw file is in the archive).
/// </summary>
internal sealed record ProcStatus
{
    /// <summary>Real, effective, saved set, filesystem.</summary>
    public IReadOnlyList<long>? Uids { get; init; }

    public IReadOnlyList<long>? Gids { get; init; }

    public IReadOnlyList<long>? Groups { get; init; }

    /// <summary>NSpid: the pid in every PID namespace from the host's down to the process's own.</summary>
    public IReadOnlyList<int>? NamespacePids { get; init; }

    public ulong? CapInh { get; init; }

    public ulong? CapPrm { get; init; }

    public ulong? CapEff { get; init; }

    public ulong? CapBnd { get; init; }

    public ulong? CapAmb { get; init; }

    /// <summary>0, 1 or 2 (SECCOMP_MODE_DISABLED, _STRICT, _FILTER); null when the kernel lacks CONFIG_SECCOMP.</summary>
    public int? Seccomp { get; init; }

    public int? SeccompFilters { get; init; }

    public int? NoNewPrivs { get; init; }

    public long? Threads { get; init; }

    public string? TracerPid { get; init; }

    public static ProcStatus Parse(ReadOnlySpan<byte> text)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in Encoding.UTF8.GetString(text).Split('\n'))
        {
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                values.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
        }
        return new ProcStatus
        {
            Uids = Numbers(values, "Uid"),
            Gids = Numbers(values, "Gid"),
            Groups = Numbers(values, "Groups"),
            NamespacePids = Numbers(values, "NSpid")?.Select(v => (int)v).ToList(),
            CapInh = Hex(values, "CapInh"),
            CapPrm = Hex(values, "CapPrm"),
            CapEff = Hex(values, "CapEff"),
            CapBnd = Hex(values, "CapBnd"),
            CapAmb = Hex(values, "CapAmb"),
            Seccomp = Int(values, "Seccomp"),
            SeccompFilters = Int(values, "Seccomp_filters"),
            NoNewPrivs = Int(values, "NoNewPrivs"),
            Threads = Numbers(values, "Threads")?.FirstOrDefault(),
            TracerPid = values.GetValueOrDefault("TracerPid"),
        };
    }

    private static List<long>? Numbers(Dictionary<string, string> values, string key)
    {
        if (!values.TryGetValue(key, out var v))
        {
            return null;
        }
        var list = new List<long>();
        foreach (var part in v.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n))
            {
                return null;
            }
            list.Add(n);
        }
        return list;
    }

    private static int? Int(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var v) && int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : null;

    private static ulong? Hex(Dictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var v) && ulong.TryParse(v, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ulong n) ? n : null;
}
