using System.Text.Json;
using ContainerForensics.Report.Findings;
using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Report.Html;

/// <summary>
/// The report as JSON (docs/evidence-format.md, "Findings JSON"): the verification, the
/// archive's identity and seal, the findings, and per container its state and privileges.
/// </summary>
public static class JsonReportWriter
{
    public static void Write(Stream output, ReportDocument doc)
    {
        using var w = new Utf8JsonWriter(output, EvidenceJsonOptions.Indented);
        var t = doc.Triage;
        w.WriteStartObject();
        w.WriteString("format", "cfir-report/1.0");
        w.WriteString("archive", doc.ArchiveName);
        w.WriteString("archiveSha256", t.ArchiveSha256);
        w.WriteStartObject("verification");
        w.WriteBoolean("ok", doc.Verification.Ok);
        w.WriteStartArray("problems");
        foreach (var p in doc.Verification.Problems)
        {
            w.WriteStringValue(p.ToString());
        }
        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteString("seal", doc.SealLine);
        WriteFindings(w, t.Findings);
        w.WriteStartArray("containers");
        foreach (var c in t.Containers)
        {
            w.WriteStartObject();
            w.WriteString("folder", c.Folder);
            w.WriteString("runtime", c.Runtime);
            w.WriteString("name", c.Name);
            w.WriteString("id", c.Id);
            w.WriteString("image", c.Image);
            w.WriteString("state", c.State);
            w.WriteBoolean("privileged", c.Privileged);
            w.WriteBoolean("hostPid", c.SharesHostPid);
            w.WriteBoolean("hostNetwork", c.SharesHostNetwork);
            w.WriteBoolean("hostIpc", c.SharesHostIpc);
            w.WriteBoolean("runsAsRoot", c.RunsAsRoot);
            w.WriteNumber("processes", c.Processes.Count);
            w.WriteNumber("sockets", c.Sockets.Count);
            w.WriteNumber("filesOfNote", c.Files.Count + c.FilesNotKept);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteStartArray("problems");
        foreach (var p in t.Problems)
        {
            w.WriteStringValue(p);
        }
        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>The <c>findings</c> array: also what <c>cfir collect --json</c> carries.</summary>
    public static void WriteFindings(Utf8JsonWriter w, IEnumerable<Finding> findings)
    {
        w.WriteStartArray("findings");
        foreach (var f in findings)
        {
            w.WriteStartObject();
            w.WriteString("id", f.Id);
            w.WriteString("severity", f.Severity.ToString().ToLowerInvariant());
            w.WriteString("title", f.Title);
            w.WriteString("container", f.Container);
            w.WriteString("attack", f.Attack);
            w.WriteStartArray("evidence");
            foreach (var e in f.Evidence)
            {
                w.WriteStartObject();
                w.WriteString("path", e.Path);
                w.WriteString("sha256", e.Sha256);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteString("detail", f.Detail);
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }
}
