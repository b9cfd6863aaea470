using ContainerForensics.Evidence.Verify;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Html;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Tests;

/// <summary>What the report shows of attacker-controlled text, and where it puts a failed verification.</summary>
public sealed class HtmlReportTests
{
    [Theory]
    [InlineData("<script>alert(1)</script>", "<script>alert(1)</script>")]
    [InlineData("\u001b[31mred\u001b[0m", "\\x1b[31mred\\x1b[0m")]
    [InlineData("a\nb\rc\u0000", "a\\x0ab\\x0dc\\x00")]
    [InlineData("evil\u202Etxt.exe", "evil\\u202etxt.exe")]   // a bidi override cannot reorder what the reader sees
    [InlineData("back\\slash", "back\\\\slash")]
    [InlineData("ünïcödé 名前", "ünïcödé 名前")]
    public void Control_and_invisible_characters_are_shown_as_escapes(string raw, string shown) =>
        Assert.Equal(shown, Visible.Text(raw));

    [Fact]
    public void Html_escaping_covers_element_and_attribute_text() =>
        Assert.Equal("&lt;img src=x onerror=&quot;a&#39;&quot;&gt; &amp;", Visible.Html("<img src=x onerror=\"a'\"> &"));

    [Fact]
    public void Markdown_code_spans_outlast_backticks_inside() =>
        Assert.Equal("`` a`b\\|c ``", Visible.Markdown("a`b|c"));

    [Fact]
    public void Hostile_names_are_text_and_the_page_allows_no_script()
    {
        string html = Render(verified: true);
        Assert.Contains("Content-Security-Policy", html, StringComparison.Ordinal);
        Assert.Contains("script-src 'none'", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("/tmp/&lt;script&gt;alert(1)&lt;/script&gt;", html, StringComparison.Ordinal);
        Assert.Contains("\\x1b[31mred", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", html, StringComparison.Ordinal);
        Assert.Contains("data-rule=\"CFIR-FS-ADDED-EXECUTABLE\"", html, StringComparison.Ordinal);
        Assert.Contains("Verified", html, StringComparison.Ordinal);
    }

    [Fact]
    public void A_failed_verification_is_the_first_thing_shown()
    {
        string html = Render(verified: false);
        int failed = html.IndexOf("VERIFICATION FAILED", StringComparison.Ordinal);
        Assert.True(failed > 0);
        Assert.True(failed < html.IndexOf("id=\"acquisition\"", StringComparison.Ordinal));
        Assert.True(failed < html.IndexOf("id=\"findings\"", StringComparison.Ordinal));
        Assert.Contains("member: containers/x: sha256 differs", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Processes_are_listed_parent_first()
    {
        var order = HtmlReportWriter.TreeOrder([P(30, 20), P(10, 1), P(20, 10), P(40, 10)]).Select(x => (x.Process.Pid, x.Depth)).ToList();
        Assert.Equal([(10L, 0), (20L, 1), (30L, 2), (40L, 1)], order);
    }

    private static ProcessInfo P(long pid, long ppid) => new(pid, ppid, "p", [], "/bin/p", false, null, null, 0, [], []);

    private static string Render(bool verified)
    {
        const string folder = "containers/docker/-/bad_0123456789ab";
        var c = new ContainerSummary("docker", folder) { Name = "bad\u001b[31mred", ProcessesPath = folder + "/volatile/processes.json" };
        c.Files.Add(new FileChange("/tmp/<script>alert(1)</script>", folder + "/filesystem/changed/tmp/<script>alert(1)</script>") { Kind = "file", Mode = 493, Change = "added" });
        c.Processes.Add(new ProcessInfo(5, 1, "\u001b[31mred", ["\u001b[31mred", "<b>x</b>"], "/tmp/\u001b[31mred", false, "ab", null, 0, [], []));
        var triage = new TriageResult();
        triage.Containers.Add(c);
        triage.Findings.AddRange(FindingsEngine.Evaluate(RuleSet.BuiltIn(), triage.Containers, _ => "00"));
        var verification = new VerificationReport();
        if (!verified)
        {
            verification.Add("member", "containers/x", "sha256 differs");
        }
        using var w = new StringWriter();
        HtmlReportWriter.Write(w, new ReportDocument("a<b>.tar", verification, triage, "cfir test"));
        return w.ToString();
    }
}
