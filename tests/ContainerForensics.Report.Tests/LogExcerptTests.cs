using ContainerForensics.Core.Evidence;
using ContainerForensics.Evidence.Verify;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Html;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>The log lines chosen around a finding (those naming its subject, the one nearest its time), bounded, and shown escaped.</summary>
public sealed class LogExcerptTests
{
    private const string Log = "containers/docker/-/web_0123456789ab/logs/stdout.log";
    private static readonly UnixTime Start = new(1_800_000_000, 0);

    private static string Line(int i, string text) => $"{new UnixTime(Start.Seconds + i, 0).ToIso8601()} {text}";

    [Fact]
    public void Lines_naming_the_file_come_with_three_lines_either_side_out_of_a_long_log()
    {
        var scan = new ExcerptScan(new FindingSubject(["/var/www/html/shell.php", "shell.php"], null, null), Log, context: 3, maxMentions: 2);
        for (int i = 1; i <= 200_000; i++)
        {
            scan.Line(i, i is 100_000 or 150_000 or 190_000 ? $"GET /shell.php?c=id 200 ({i})" : $"GET /index.html 200 ({i})", null);
        }
        var mentions = scan.Mentions().ToList();
        Assert.Equal(2, mentions.Count);   // the third mention is not kept
        Assert.Equal([99_997L, 99_998, 99_999, 100_000, 100_001, 100_002, 100_003], mentions[0].Lines.Select(l => l.Number));
        Assert.Equal([100_000L], mentions[0].Lines.Where(l => l.Hit).Select(l => l.Number));
        Assert.Equal("names shell.php", mentions[0].Why);
        Assert.Null(scan.Nearest());
    }

    [Fact]
    public void The_line_nearest_the_process_start_is_found_and_how_far_it_is_said()
    {
        var scan = new ExcerptScan(new FindingSubject(["/tmp/.x/miner"], new UnixTime(Start.Seconds + 42, 400_000_000), "the process's start"), Log, 3, 2);
        for (int i = 0; i < 100; i++)
        {
            scan.Line(i + 1, Line(i, $"tick {i}"), LogExcerptReader.LineTime(Line(i, $"tick {i}"), out var t) ? t : null);
        }
        var nearest = Assert.IsType<LogExcerpt>(scan.Nearest());
        Assert.Equal(43L, Assert.Single(nearest.Lines, l => l.Hit).Number);
        Assert.Equal(7, nearest.Lines.Count);
        Assert.StartsWith("the line nearest in time: 0.4 s before the process's start", nearest.Why, StringComparison.Ordinal);
        Assert.Empty(scan.Mentions());
    }

    [Fact]
    public void A_log_that_neither_names_the_subject_nor_has_times_gives_no_excerpt()
    {
        var scan = new ExcerptScan(new FindingSubject(["/tmp/nc"], Start, "the process's start"), Log, 3, 2);
        for (int i = 1; i <= 1000; i++)
        {
            scan.Line(i, $"no time here, /tmp/n{i}", null);
        }
        Assert.Empty(scan.Mentions());
        Assert.Null(scan.Nearest());
    }

    [Theory]
    [InlineData("2026-12-07T09:00:00.123456789Z hello", true)]
    [InlineData("2026-12-07T09:00:00.123456789Z stdout F hello", true)]
    [InlineData("{\"log\":\"hello\\n\",\"stream\":\"stdout\",\"time\":\"2026-12-07T09:00:00.123456789Z\"}", true)]
    [InlineData("hello 2026-12-07T09:00:00Z", false)]
    public void A_log_lines_own_time_is_read_in_the_engines_shapes(string line, bool timed) =>
        Assert.Equal(timed, LogExcerptReader.LineTime(line, out _));

    [Fact]
    public void Excerpts_are_escaped_marked_and_name_their_member_and_sha256()
    {
        const string folder = "containers/docker/-/bad_0123456789ab";
        var c = new ContainerSummary("docker", folder) { InspectPath = folder + "/metadata/inspect.json", Privileged = true };
        var triage = new TriageResult { Sha256 = new Dictionary<string, string?> { [Log] = new string('a', 64) } };
        triage.Containers.Add(c);
        triage.Findings.AddRange(FindingsEngine.Evaluate(RuleSet.BuiltIn(), triage.Containers, _ => "00"));
        var privileged = Assert.Single(triage.Findings, f => f.Id == "CFIR-CTR-PRIVILEGED");
        triage.Excerpts[privileged] = [new LogExcerpt(Log, "names x", [new ExcerptLine(9, "before", false), new ExcerptLine(10, "<script>alert(1)</script> \u001b[31mred", true)])];
        using var w = new StringWriter();
        HtmlReportWriter.Write(w, new ReportDocument("a.tar", new VerificationReport(), triage, "cfir test"));
        string html = w.ToString();
        Assert.Contains("class=\"excerpt\" data-rule=\"CFIR-CTR-PRIVILEGED\"", html, StringComparison.Ordinal);
        Assert.Contains("<mark>    10  &lt;script&gt;alert(1)&lt;/script&gt; \\x1b[31mred</mark>", html, StringComparison.Ordinal);
        Assert.Contains($"<code>{Log}</code> sha256 <code>{new string('a', 64)}</code>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", html, StringComparison.Ordinal);
        using var md = new StringWriter();
        MarkdownReportWriter.Write(md, new ReportDocument("a.tar", new VerificationReport(), triage, "cfir test"));
        // Markdown: in a code span (no HTML there), the escape visible.
        Assert.Contains("  - **10**: ` <script>alert(1)</script> \\x1b[31mred `", md.ToString(), StringComparison.Ordinal);
    }
}
