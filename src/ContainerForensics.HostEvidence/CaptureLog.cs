using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Host.Processes;
using ContainerForensics.HostEvidence.Processes;

namespace ContainerForensics.HostEvidence;

/// <summary>
/// capture.json: when this container's host-side volatile capture started and ended, which
/// processes it took and how it found them, and how each step went — so a reader can judge how
/// consistent the snapshot is (processes come and go while it is taken).
/// </summary>
internal sealed class CaptureLog
{
    private const int MaxUndecidedListed = 100;

    public required UnixTime StartedAt { get; init; }

    public UnixTime? EndedAt { get; set; }

    /// <summary>The host pid of the init: the /proc directory read.</summary>
    public required int InitPid { get; init; }

    /// <summary>The init pid as the runtime reported it, in its own pid namespace, and how it became <see cref="InitPid"/>.</summary>
    public required PidTranslation Translation { get; init; }

    /// <summary>The init's host pid, from what the runtime reported once the capture was done; a change means a restart.</summary>
    public int? InitPidAtEnd { get; set; }

    public string? InitPidAtEndProblem { get; set; }

    public ProcessSet? Set { get; set; }

    public IReadOnlyList<ProcessRecord> Processes { get; set; } = [];

    public BootClock? Boot { get; set; }

    public string? BootProblem { get; set; }

    /// <summary>Step → "ok" or what went wrong.</summary>
    public SortedDictionary<string, string> Steps { get; } = new(StringComparer.Ordinal);

    /// <summary>etc/resolv.conf, etc/hosts, etc/hostname → outcome.</summary>
    public SortedDictionary<string, string> EtcFiles { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether a cgroup line of the init names the container's id (a cross-check that the pid is the container's); null when unknown.</summary>
    public bool? InitCgroupNamesContainer { get; set; }

    public List<(ulong Inode, int Pid, IReadOnlyList<int> Pids, string Outcome)> NetworkNamespaces { get; } = [];

    public byte[] ToJson() => EvidenceJson.Build(json =>
    {
        json.WriteStartObject();
        json.WriteString("startedAt", StartedAt.ToIso8601());
        if (EndedAt is { } ended)
        {
            json.WriteString("endedAt", ended.ToIso8601());
        }
        json.WriteNumber("initPid", InitPid);
        json.WriteNumber("runtimeInitPid", Translation.RuntimePid);
        json.WriteString("pidTranslation", Translation.How);
        if (InitPidAtEnd is { } atEnd)
        {
            json.WriteNumber("initPidAtEnd", atEnd);
        }
        else if (InitPidAtEndProblem is not null)
        {
            json.WriteString("initPidAtEnd", InitPidAtEndProblem);
        }
        if (Set is { } set)
        {
            json.WriteString("selectedBy", set.Method);
            if (set.PidNamespace is not null)
            {
                json.WriteString("pidNamespace", set.PidNamespace);
            }
            if (set.Cgroup is not null)
            {
                json.WriteString("cgroup", set.Cgroup);
            }
            WriteInts(json, "pids", set.Members.Select(m => m.Pid));
            var nested = set.Members.Where(m => m.NestedPidNamespace).Select(m => m.Pid).ToList();
            if (nested.Count > 0)
            {
                WriteInts(json, "nestedPidNamespacePids", nested);
            }
            if (set.Undecided.Count > 0)
            {
                // Without the right to read other processes' namespaces this is every host process: bounded.
                json.WriteNumber("undecidedCount", set.Undecided.Count);
                json.WriteStartArray("undecided");
                foreach (var (pid, errno) in set.Undecided.Take(MaxUndecidedListed))
                {
                    json.WriteStartObject();
                    json.WriteNumber("pid", pid);
                    json.WriteString("error", Core.FileSystem.UnixError.Describe(errno));
                    json.WriteEndObject();
                }
                json.WriteEndArray();
            }
            if (set.Notes.Count > 0)
            {
                json.WriteStartArray("selectionNotes");
                foreach (var note in set.Notes)
                {
                    json.WriteStringValue(note);
                }
                json.WriteEndArray();
            }
        }
        WriteInts(json, "exitedBeforeCapture", Processes.Where(p => p.Exited == "before capture").Select(p => p.Pid));
        WriteInts(json, "exitedDuringCapture", Processes.Where(p => p.Exited == "during capture").Select(p => p.Pid));
        if (Boot is { } boot)
        {
            json.WriteNumber("bootTime", boot.BootTimeSeconds);
            json.WriteString("bootTimeUtc", new UnixTime(boot.BootTimeSeconds, 0).ToIso8601());
            json.WriteNumber("clockTicksPerSecond", boot.TicksPerSecond);
        }
        else if (BootProblem is not null)
        {
            json.WriteString("bootTime", BootProblem);
        }
        if (NetworkNamespaces.Count > 0)
        {
            json.WriteStartArray("networkNamespaces");
            foreach (var (inode, pid, pids, outcome) in NetworkNamespaces)
            {
                json.WriteStartObject();
                json.WriteNumber("inode", inode);
                json.WriteNumber("readThroughPid", pid);
                WriteInts(json, "pids", pids);
                json.WriteString("outcome", outcome);
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (InitCgroupNamesContainer is { } names)
        {
            json.WriteBoolean("initCgroupNamesContainer", names);
        }
        if (EtcFiles.Count > 0)
        {
            json.WriteStartObject("etcFiles");
            foreach (var (path, outcome) in EtcFiles)
            {
                json.WriteString(path, outcome);
            }
            json.WriteEndObject();
        }
        json.WriteStartObject("steps");
        foreach (var (step, outcome) in Steps)
        {
            json.WriteString(step, outcome);
        }
        json.WriteEndObject();
        json.WriteEndObject();
    });

    private static void WriteInts(System.Text.Json.Utf8JsonWriter json, string name, IEnumerable<int> values)
    {
        json.WriteStartArray(name);
        foreach (int v in values)
        {
            json.WriteNumberValue(v);
        }
        json.WriteEndArray();
    }
}
