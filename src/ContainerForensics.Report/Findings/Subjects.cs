using ContainerForensics.Core.Evidence;
using ContainerForensics.Report.Timeline;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Findings;

/// <summary>
/// A finding's subject for the log excerpts around it: the words a log line about it would
/// hold and the time it has. Words shorter than three characters ("sh") are left out: they
/// would match every line.
/// </summary>
internal static class Subjects
{
    public static FindingSubject Of(ProcessInfo p)
    {
        var terms = new List<string>();
        string? exe = p.Exe is { } e && e.EndsWith(" (deleted)", StringComparison.Ordinal) ? e[..^10] : p.Exe;
        Add(terms, exe);
        Add(terms, Name(exe));
        Add(terms, p.Argv.Count > 0 ? Name(p.Argv[0].Split(' ')[0]) : null);
        Add(terms, p.Name);
        return new FindingSubject(terms, Time(p.StartTime), "the process's start");
    }

    public static FindingSubject Of(SocketInfo s, ProcessInfo owner)
    {
        var process = Of(owner);
        var terms = process.Terms.ToList();
        if (s.LocalPort is > 0 and var port && port >= 100)
        {
            Add(terms, port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
        return process with { Terms = terms };
    }

    public static FindingSubject Of(FileChange f)
    {
        var terms = new List<string>();
        Add(terms, f.ContainerPath);
        Add(terms, Name(f.ContainerPath));
        return new FindingSubject(terms, f.ModifiedTime, "the file's modification time");
    }

    public static FindingSubject Of(AccountEntry a) => new(a.Name.Length >= 3 ? [a.Name] : [], null, null);

    public static FindingSubject Of(ContainerSummary c) => new([], Time(c.StartedAt), c.Pod is null ? "the container's start" : "the pod's start");

    private static UnixTime? Time(string? text) => text is not null && Rfc3339.TryParse(text, out var t) && !Rfc3339.IsZero(t) ? t : null;

    private static string? Name(string? path) => path?[(path.LastIndexOf('/') + 1)..];

    private static void Add(List<string> terms, string? term)
    {
        if (term is { Length: >= 3 } && !term.StartsWith("base64:", StringComparison.Ordinal) && !terms.Contains(term, StringComparer.Ordinal))
        {
            terms.Add(term);
        }
    }
}
