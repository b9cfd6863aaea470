using ContainerForensics.Evidence.Verify;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Html;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report;

/// <summary>
/// <c>cfir report</c>'s work: verify the archive (one pass), read what the report needs (a
/// second pass, bounded), run the rules, write HTML, Markdown or JSON. A failed verification
/// does not stop the report: it is shown at its top.
/// </summary>
public static class ReportRunner
{
    public static ReportDocument Build(string archivePath, RuleSet rules, string tool, string? zipPassword = null)
    {
        VerificationReport verification;
        using (var input = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
        {
            verification = ArchiveVerifier.Verify(input, zipPassword);
        }
        var triage = new TriageReader(rules).Read(archivePath, zipPassword);
        return new ReportDocument(Path.GetFileName(archivePath), verification, triage, tool);
    }

    public static void Write(Stream output, ReportDocument doc, string format)
    {
        if (format == "json")
        {
            JsonReportWriter.Write(output, doc);
            return;
        }
        using var text = new StreamWriter(output, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true);
        if (format == "md")
        {
            MarkdownReportWriter.Write(text, doc);
        }
        else
        {
            HtmlReportWriter.Write(text, doc);
        }
    }
}
