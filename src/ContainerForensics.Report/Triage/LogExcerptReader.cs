using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Reading;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Timeline;

namespace ContainerForensics.Report.Triage;

/// <summary>
/// The log excerpts around findings: the container's log lines that name a finding's file,
/// process, port or account, and the line nearest its time, a few lines before and after.
/// Which findings and their subjects are known only once the archive's end (the manifest) is
/// read, so this is a second pass over the archive that stops after the last log member it
/// needs: logs are written before the filesystem (docs/evidence-format.md, "Layout"), so it
/// skips the bulk of an archive. Every log is streamed line by line, each line cut at
/// <see cref="MaxLineChars"/>; only the windows are kept.
/// </summary>
public sealed class LogExcerptReader
{
    public int Context { get; init; } = 3;
    public int MaxMentions { get; init; } = 2;
    public int MaxLineChars { get; init; } = 512;

    /// <summary>Findings (worst first, medium and above) that get excerpts; the rest are named in the report without.</summary>
    public int MaxFindings { get; init; } = 40;

    public Dictionary<Finding, List<LogExcerpt>> Read(string archivePath, string? zipPassword, IReadOnlyList<Finding> findings, IReadOnlyList<ContainerSummary> containers)
    {
        var excerpts = new Dictionary<Finding, List<LogExcerpt>>(ReferenceEqualityComparer.Instance);
        var byMember = new Dictionary<string, List<(Finding Finding, ExcerptScan Scan)>>(StringComparer.Ordinal);
        var logsOf = containers.ToDictionary(c => c.Folder, Sources, StringComparer.Ordinal);
        foreach (var f in findings.Where(f => f.Severity >= Severity.Medium && f.Subject is { } s && (s.Terms.Count > 0 || s.Time is not null)).Take(MaxFindings))
        {
            foreach (var member in logsOf.GetValueOrDefault(f.Container) ?? [])
            {
                (byMember.TryGetValue(member, out var scans) ? scans : byMember[member] = []).Add((f, new ExcerptScan(f.Subject!, member, Context, MaxMentions)));
            }
        }
        if (byMember.Count == 0)
        {
            return excerpts;
        }
        using (var reader = EvidenceArchiveReader.Open(archivePath, new ArchiveReaderOptions { ZipPassword = zipPassword }))
        {
            int remaining = byMember.Count;
            while (remaining > 0 && reader.MoveNext())
            {
                if (reader.Current is not { HasContent: true } member || !byMember.TryGetValue(member.Name, out var scans))
                {
                    continue;
                }
                remaining--;
                bool wantsTime = scans.Exists(s => s.Scan.WantsTime);
                long number = 0;
                MemberText.ForEachLine(reader, MaxLineChars * 4, (line, _) =>
                {
                    number++;
                    UnixTime? when = wantsTime && LineTime(line, out var t) ? t : null;
                    string text = line.Length > MaxLineChars ? line[..MaxLineChars] : line;
                    foreach (var (_, scan) in scans)
                    {
                        scan.Line(number, text, when);
                    }
                });
            }
        }
        foreach (var group in byMember.Values.SelectMany(x => x).GroupBy(x => x.Finding, ReferenceEqualityComparer.Instance))
        {
            var scans = group.Select(x => x.Scan).ToList();
            var list = scans.SelectMany(s => s.Mentions()).Take(MaxMentions).ToList();
            if (scans.Where(s => s.NearestDistance < double.PositiveInfinity).MinBy(s => s.NearestDistance)?.Nearest() is { } nearest)
            {
                list.Add(nearest);
            }
            if (list.Count > 0)
            {
                excerpts[(Finding)group.Key!] = list;
            }
        }
        return excerpts;
    }

    /// <summary>The engine's API streams when the container has them (the files on disk hold the same lines), else its log files.</summary>
    private static List<string> Sources(ContainerSummary c)
    {
        var streams = c.LogMembers.Where(m => m.EndsWith("/stdout.log", StringComparison.Ordinal) || m.EndsWith("/stderr.log", StringComparison.Ordinal) || m.EndsWith("/tty.log", StringComparison.Ordinal)).ToList();
        return streams.Count > 0 ? streams : c.LogMembers;
    }

    /// <summary>A log line's own time: "TIME ..." (API logs with timestamps, CRI) or json-file's <c>"time"</c>.</summary>
    internal static bool LineTime(string line, out UnixTime when)
    {
        when = default;
        if (line.StartsWith('{'))
        {
            int at = line.IndexOf("\"time\":\"", StringComparison.Ordinal);
            int end = at < 0 ? -1 : line.IndexOf('"', at + 8);
            return end > 0 && Rfc3339.TryParse(line.AsSpan(at + 8, end - at - 8), out when);
        }
        int space = line.IndexOf(' ', StringComparison.Ordinal);
        return space >= 20 && Rfc3339.TryParse(line.AsSpan(0, space), out when);
    }
}
