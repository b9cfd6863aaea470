using ContainerForensics.Cli.Hosting;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Cli.Commands;

/// <summary>
/// The end of <c>cfir collect</c>: the built-in rules of <c>cfir report</c> run on the archive
/// just written, read once (bounded, as <c>cfir report</c> reads it), and the counts by severity
/// and the five worst go to stderr. A failure here is one line and never changes the
/// collection's outcome.
/// </summary>
/// <remarks>
/// A tar archive is read as it is written, from the writer's uncompressed stream
/// (<see cref="FindingsTap"/>): reading it back from disk afterwards would decompress all of
/// it again after the seal (measured: 2–2.6 s of CPU for the benchmark's 1 GiB, more than the
/// rest of the read). A zip is read back from its file.
/// </remarks>
internal static class FindingsSummary
{
    /// <summary>The summary shows no log lines (no second pass) and no hash (collect printed the one it took while writing).</summary>
    internal static TriageReader NewReader() => new(RuleSet.BuiltIn()) { Excerpts = null, Hashes = false };

    public static IReadOnlyList<Finding>? Run(CliEnvironment env, string archive, FindingsTap? tap, string? zipPassword, bool quiet)
    {
        List<Finding> findings;
        try
        {
            findings = tap is not null ? tap.Findings() : NewReader().Read(archive, zipPassword).Findings;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            env.Stderr.WriteLine(ConsoleProgress.Sanitize($"cfir: findings: the archive could not be read {(tap is null ? "back" : "as it was written")} ({ex.Message}); run cfir report"));
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
