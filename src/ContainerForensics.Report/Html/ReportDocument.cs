using ContainerForensics.Evidence.Verify;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Html;

/// <summary>Everything a report shows: which archive, what verification said, what the triage pass kept and found.</summary>
public sealed record ReportDocument(string ArchiveName, VerificationReport Verification, TriageResult Triage, string Tool)
{
    /// <summary>One line for the top of the report: verified, or the first problem and how many there are.</summary>
    public string VerificationLine => Verification.Ok
        ? $"Verified: every member matches the manifest, SHA256SUMS and the seal ({(Verification.CollectionComplete == true ? "collection complete" : "collection partial")})."
        : $"VERIFICATION FAILED: {Verification.Problems.Count} problem(s); the first: {Verification.Problems[0]}";

    public string SealLine => Triage.Seal is null
        ? "no seal: the archive was cut before it was sealed"
        : Triage.Seal.Complete == true ? "sealed, complete" : "sealed, partial";
}
