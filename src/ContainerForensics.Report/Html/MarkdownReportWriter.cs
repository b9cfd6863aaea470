namespace ContainerForensics.Report.Html;

/// <summary>The report as Markdown, for a ticket's text: verification first, then findings and per-container state. Evidence text is in code spans, escaped by <see cref="Visible.Markdown"/>.</summary>
public static class MarkdownReportWriter
{
    public static void Write(TextWriter w, ReportDocument doc)
    {
        var t = doc.Triage;
        w.WriteLine($"# cfir report: {Visible.Markdown(doc.ArchiveName)}");
        w.WriteLine();
        w.WriteLine(doc.Verification.Ok ? $"**{doc.VerificationLine}**" : $"> **{Visible.Text(doc.VerificationLine)}**");
        foreach (var p in doc.Verification.Problems.Take(50))
        {
            w.WriteLine($"> - {Visible.Markdown(p.ToString())}");
        }
        w.WriteLine();
        var a = t.Acquisition;
        w.WriteLine("## Acquisition");
        w.WriteLine();
        w.WriteLine($"- Case: {Visible.Markdown(a?.Case)}; examiner: {Visible.Markdown(a?.Examiner)}");
        w.WriteLine($"- Host: {Visible.Markdown(a?.Host?.Hostname)} ({Visible.Markdown(a?.Host?.KernelRelease)}); clock NTP synchronized: {a?.Clock?.NtpSynchronized?.ToString() ?? "unknown"}");
        w.WriteLine($"- Tool: {Visible.Markdown($"{a?.Tool?.Name} {a?.Tool?.Version}")}");
        w.WriteLine($"- Archive sha256: `{t.ArchiveSha256}`; {doc.SealLine}");
        w.WriteLine();
        w.WriteLine($"## Findings ({t.Findings.Count})");
        w.WriteLine();
        if (t.Findings.Count > 0)
        {
            w.WriteLine("| Severity | Rule | ATT&CK | Container | Detail | Evidence |");
            w.WriteLine("| --- | --- | --- | --- | --- | --- |");
            foreach (var f in t.Findings)
            {
                string evidence = string.Join("<br>", f.Evidence.Select(e => $"{Visible.Markdown(e.Path)} sha256 `{e.Sha256 ?? "-"}`"));
                w.WriteLine($"| {f.Severity.ToString().ToLowerInvariant()} | {f.Id}: {f.Title} | {f.Attack} | {Visible.Markdown(f.Container)} | {Visible.Markdown(f.Detail)} | {evidence} |");
            }
            w.WriteLine();
        }
        if (t.Excerpts.Count > 0)
        {
            w.WriteLine("## Log excerpts around findings");
            w.WriteLine();
            foreach (var f in t.Findings)
            {
                if (!t.Excerpts.TryGetValue(f, out var excerpts))
                {
                    continue;
                }
                w.WriteLine($"### {f.Id} in {Visible.Markdown(f.Container)}");
                w.WriteLine();
                foreach (var x in excerpts)
                {
                    string sha = t.Sha256.TryGetValue(x.Path, out var s) && s is not null ? s : "-";
                    w.WriteLine($"- {Visible.Markdown(x.Why)}: {Visible.Markdown(x.Path)} sha256 `{sha}`");
                    foreach (var line in x.Lines)
                    {
                        w.WriteLine($"  - {(line.Hit ? "**" : "")}{line.Number}{(line.Hit ? "**" : "")}: {Visible.Markdown(line.Text)}");
                    }
                }
                w.WriteLine();
            }
        }
        foreach (var c in t.Containers)
        {
            w.WriteLine($"## Container {Visible.Markdown(c.DisplayName)}");
            w.WriteLine();
            w.WriteLine($"- Runtime {c.Runtime}, image {Visible.Markdown(c.Image)}, state {Visible.Markdown(c.State)}, exit code {c.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}");
            w.WriteLine($"- Privileged: {c.Privileged}; host PID/network/IPC: {c.SharesHostPid}/{c.SharesHostNetwork}/{c.SharesHostIpc}; host mounts: {Visible.Markdown(string.Join(", ", c.HostMounts))}; runs as root: {c.RunsAsRoot}");
            w.WriteLine($"- {c.Processes.Count} processes, {c.Sockets.Count} sockets, {c.Files.Count + c.FilesNotKept} writable-layer files of note");
            foreach (var p in c.Processes)
            {
                w.WriteLine($"  - pid {p.Pid}: {Visible.Markdown(p.Exe)}{(p.ExeDeleted ? " **deleted**" : "")} {Visible.Markdown(string.Join(" ", p.Argv))}");
            }
            w.WriteLine();
        }
    }
}
