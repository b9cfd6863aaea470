using ContainerForensics.Cli.Hosting;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Cli.Commands;

/// <summary>
/// The end of <c>cfir collect</c>: the archive just written read back once (bounded, as
/// <c>cfir report</c> reads it) and the built-in rules run on it; counts by severity and the
/// five worst on stderr. A failure here is one line and never changes the collection's outcome.
/// </summary>
internal static class FindingsSummary
{
    public static IReadOnlyList<Finding>? Run(CliEnvironment env, string archive, string? zipPassword, bool quiet)
    {
        List<Finding> findings;
        try
        {
            findings = new TriageReader(RuleSet.BuiltIn()) { Excerpts = null, Hashes = false }.Read(archive, zipPassword).Findings;   // the summary shows no log lines (no second pass) and no hash (collect printed the one it took while writing)
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            env.Stderr.WriteLine(ConsoleProgress.Sanitize($"cfir: findings: the archive could not be read back ({ex.Message}); run cfir report"));
            return null;
        }
        if (!quiet)
        {
            var counts = findings.GroupBy(f => f.Severity).OrderByDescending(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToString().ToLowerInvariant()}");
            env.Stderr.WriteLine($"cfir: findings: {findings.Count}{(findings.Count > 0 ? $" ({string.Join(", ", counts)})" : "")}; cfir report {Path.GetFileName(archive)} for the whole report");
            foreach (var f in findings.Take(5))
            {
                env.Stderr.WriteLine(ConsoleProgress.Sanitize($"cfir:   {f.Severity.ToString().ToLowerInvariant()} {f.Id} {f.Container[(f.Container.LastIndexOf('/') + 1)..]}: {f.Detail}"));
            }
        }
        return findings;
    }
}
