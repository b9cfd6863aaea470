using ContainerForensics.Evidence.Verify;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Html;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report;

/// <summary>
/// <c>cfir report</c>'s work: verify the archive (one pass), read what the report needs (a
/// second pass, bounded, at the same time), run the rules, write HTML, Markdown or JSON. A failed verification
/// does not stop the report: it is shown at its top.
/// </summary>
public static class ReportRunner
{
    /// <remarks>
    /// The two passes run at once, each on its own core: verification hashes every byte,
    /// the triage pass only decompresses and parses what it keeps (no hash: the archive's
    /// sha256 shown is the verification's), so the report costs about what verification alone
    /// does. Each reads the file through its own handle.
    /// </remarks>
    public static ReportDocument Build(string archivePath, RuleSet rules, string tool, string? zipPassword = null)
    {
        var verifying = Task.Run(() =>
        {
            using var input = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            return ArchiveVerifier.Verify(input, zipPassword);
        });
        TriageResult triage;
        try
        {
            triage = new TriageReader(rules) { Hashes = false }.Read(archivePath, zipPassword);
        }
        finally
        {
            // Never leave the verifier running behind an exception: wait for it either way.
            ((IAsyncResult)verifying).AsyncWaitHandle.WaitOne();
        }
        var verification = verifying.GetAwaiter().GetResult();
        triage.ArchiveSha256 = verification.ArchiveSha256;
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
