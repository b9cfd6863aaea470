using System.Text.Json;
using ContainerForensics.Evidence.Reading;

namespace ContainerForensics.Report.Timeline;

/// <summary>
/// Reads a sealed archive once, front to back, and hands every point in time it holds to a
/// writer as it passes: the documents and logs as their members stream by, the files' MACB
/// times as the manifest (written last) streams by. Nothing is sorted or held: memory is one
/// member's JSON document (capped) or one log line (capped), whatever the archive's size.
/// Timeline events are not sorted; mactime and Timesketch sort them.
/// </summary>
public sealed class TimelineReader
{
    /// <summary>A JSON document larger than this is not placed on the timeline; the summary says so.</summary>
    public int MaxDocumentBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>Each log line is cut here (the event says how many bytes were cut).</summary>
    public int MaxLineBytes { get; init; } = 64 * 1024;

    /// <summary>One engine event (a line of events.jsonl) is read up to this.</summary>
    public int MaxEventLineBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Reads the archive at <paramref name="archivePath"/>. <paramref name="emit"/> gets every
    /// event; <paramref name="file"/>, when given, every file's manifest line with its timeline
    /// name (a bodyfile wants one line per file, not per time) and then members are not read.
    /// </summary>
    public TimelineSummary Read(string archivePath, Action<TimelineEvent>? emit, Action<ManifestLine, string>? file = null, string? zipPassword = null)
    {
        var summary = new TimelineSummary();
        var options = new ArchiveReaderOptions
        {
            ZipPassword = zipPassword,
            OnManifestLine = line =>
            {
                if (!FileTimes.Applies(line, out var where))
                {
                    return;
                }
                if (file is not null && (line.ModifiedTime ?? line.AccessTime ?? line.ChangeTime ?? line.BirthTime) is not null)
                {
                    summary.Events++;
                    file(line, FileTimes.NameOf(line, where));
                }
                if (emit is not null)
                {
                    FileTimes.Emit(line, where, e => Count(summary, emit, e));
                }
            },
            OnProblem = p => summary.Problem(p.ToString()),
        };
        using var reader = EvidenceArchiveReader.Open(archivePath, options);
        while (reader.MoveNext())
        {
            if (emit is not null && file is null && reader.Current is { HasContent: true } member)
            {
                ReadMember(reader, member.Name, summary, e => Count(summary, emit, e));
            }
        }
        summary.Seal = reader.Seal;
        summary.ArchiveSha256 = reader.ArchiveSha256();
        return summary;
    }

    private void ReadMember(EvidenceArchiveReader reader, string name, TimelineSummary summary, Action<TimelineEvent> emit)
    {
        var where = ArchiveLocation.Of(name);
        if (where.Section == "logs" && (name.EndsWith(".log", StringComparison.Ordinal) || name.Contains(".log.", StringComparison.Ordinal)) && !name.EndsWith(".gz", StringComparison.Ordinal))
        {
            MemberText.ForEachLine(reader, MaxLineBytes, (line, cut) =>
            {
                if (LogLines.Parse(line, cut, name, where) is { } e)
                {
                    emit(e);
                }
            });
            return;
        }
        Action<JsonElement, string, ArchiveLocation, Action<TimelineEvent>>? parse =
            where.Section == "metadata" && name.EndsWith("/inspect.json", StringComparison.Ordinal) ? DocumentTimes.FromInspect
            : where.Section == "volatile" && name.EndsWith("/processes.json", StringComparison.Ordinal) ? DocumentTimes.FromProcesses
            : where.Section == "api" && name.Contains("/events/", StringComparison.Ordinal) && name.EndsWith(".json", StringComparison.Ordinal) ? DocumentTimes.FromKubernetesEvents
            : null;
        if (where.Section == "metadata" && name.EndsWith("/events.jsonl", StringComparison.Ordinal))
        {
            MemberText.ForEachLine(reader, MaxEventLineBytes, (line, cut) => Json(line, cut, name, summary, root => DocumentTimes.FromEngineEvent(root, name, where, emit)));
            return;
        }
        if (parse is null)
        {
            return;
        }
        if (MemberText.ReadWhole(reader, MaxDocumentBytes) is not { } bytes)
        {
            summary.Problem($"{name}: larger than {MaxDocumentBytes} bytes, not placed on the timeline");
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(bytes);
            parse(doc.RootElement, name, where, emit);
        }
        catch (JsonException ex)
        {
            summary.Problem($"{name}: not JSON ({ex.Message}), not placed on the timeline");
        }
    }

    private static void Json(string line, long cut, string name, TimelineSummary summary, Action<JsonElement> use)
    {
        if (line.Length == 0)
        {
            return;
        }
        try
        {
            using var doc = JsonDocument.Parse(line);
            use(doc.RootElement);
        }
        catch (JsonException)
        {
            summary.Problem($"{name}: a line is not JSON{(cut > 0 ? $" (cut after {line.Length} characters)" : "")}");
        }
    }

    private static void Count(TimelineSummary summary, Action<TimelineEvent> emit, TimelineEvent e)
    {
        summary.Events++;
        emit(e);
    }
}

/// <summary>What a timeline run saw: how many events, what could not be read, and the archive's seal and hash.</summary>
public sealed class TimelineSummary
{
    public long Events { get; set; }

    private const int ProblemsKept = 100;

    private readonly List<string> _problems = [];

    /// <summary>The first problems met (the reader's and the timeline's own); <see cref="ProblemCount"/> counts them all.</summary>
    public IReadOnlyList<string> Problems => _problems;

    public long ProblemCount { get; private set; }

    public Seal? Seal { get; set; }

    public string? ArchiveSha256 { get; set; }

    internal void Problem(string text)
    {
        ProblemCount++;
        if (_problems.Count < ProblemsKept)
        {
            _problems.Add(text);
        }
    }
}
