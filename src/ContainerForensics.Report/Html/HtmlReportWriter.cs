using System.Security.Cryptography;
using System.Text;
using ContainerForensics.Report.Findings;
using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Html;

/// <summary>
/// The report as one self-contained HTML file: inline CSS allowed by its hash in a strict
/// Content-Security-Policy (no script, no external resource, no form), readable without
/// JavaScript, so it can be mailed or attached to a ticket. Every string from the evidence
/// goes through <see cref="Visible.Html"/>; every item names its archive path and sha256.
/// </summary>
public static class HtmlReportWriter
{
    private const string Css = """
        body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#111}
        h1{font-size:1.5em}h2{border-bottom:1px solid #999;margin-top:1.6em}
        table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}
        code,.m{font-family:ui-monospace,monospace;font-size:12px;word-break:break-all}
        .bad{background:#fdd;border:2px solid #c00;padding:.6em;font-weight:bold}.ok{background:#dfd;border:1px solid #090;padding:.6em}
        .critical{background:#c00;color:#fff}.high{background:#f60;color:#fff}.medium{background:#fc0}.low{background:#9cf}.info{background:#ddd}
        .ev{color:#555}
        """;

    public static void Write(TextWriter w, ReportDocument doc)
    {
        string hash = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(Css)));
        var t = doc.Triage;
        w.Write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
        w.Write($"<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'sha256-{hash}'; img-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'\">\n");
        w.Write($"<title>cfir report: {Visible.Html(doc.ArchiveName)}</title>\n<style>{Css}</style></head><body>\n");
        w.Write($"<h1>cfir report: {Visible.Html(doc.ArchiveName)}</h1>\n");
        w.Write(doc.Verification.Ok ? $"<p class=\"ok\" id=\"verification\">{Visible.Html(doc.VerificationLine)}</p>\n" : $"<div class=\"bad\" id=\"verification\"><p>{Visible.Html(doc.VerificationLine)}</p><ul>");
        if (!doc.Verification.Ok)
        {
            foreach (var p in doc.Verification.Problems.Take(50))
            {
                w.Write($"<li>{Visible.Html(p.ToString())}</li>");
            }
            w.Write("</ul><p>What follows was read from an archive that did not verify: do not rely on it.</p></div>\n");
        }

        Acquisition(w, doc);
        FindingsSection(w, t.Findings, t);
        ExcerptsSection(w, t);
        foreach (var c in t.Containers)
        {
            ContainerSection(w, c, t);
        }
        if (t.Problems.Count > 0)
        {
            w.Write("<h2>What could not be read</h2><ul>");
            foreach (var p in t.Problems)
            {
                w.Write($"<li>{Visible.Html(p)}</li>");
            }
            w.Write(t.ProblemCount > t.Problems.Count ? $"<li>... and {t.ProblemCount - t.Problems.Count} more</li></ul>\n" : "</ul>\n");
        }
        w.Write($"<p class=\"ev\">Written by {Visible.Html(doc.Tool)}. Text from the evidence is shown with control and invisible characters as \\xNN / \\uNNNN escapes.</p>\n</body></html>\n");
    }

    private static void Acquisition(TextWriter w, ReportDocument doc)
    {
        var a = doc.Triage.Acquisition;
        w.Write("<h2 id=\"acquisition\">Acquisition</h2><table>\n");
        Row(w, "Case", a?.Case);
        Row(w, "Examiner", a?.Examiner);
        Row(w, "Note", a?.Note);
        Row(w, "Host", a?.Host is { } h ? $"{h.Hostname} ({h.Os}, kernel {h.KernelRelease}, {h.Architecture}, boot id {h.BootId})" : null);
        Row(w, "Clock", a?.Clock is { } c ? $"{c.Realtime?.ToIso8601()} NTP synchronized: {c.NtpSynchronized?.ToString() ?? "unknown"}, estimated error {c.EstimatedErrorMicroseconds?.ToString() ?? "?"} µs, source {c.ClockSource}, zone {c.Timezone}" : null);
        Row(w, "Tool", a?.Tool is { } tool ? $"{tool.Name} {tool.Version} ({tool.Commit}, {tool.Runtime})" : null);
        Row(w, "Started", a?.StartedAt?.ToIso8601());
        Row(w, "Archive sha256", doc.Triage.ArchiveSha256);
        Row(w, "Seal", doc.SealLine + (doc.Triage.Seal?.SealSha256 is { } s ? $" (seal sha256 {s})" : ""));
        Row(w, "Signature", "none (cfir archives are not signed yet; the seal detects accidents, not forgery)");
        Row(w, "Containers", doc.Triage.Containers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture));
        w.Write("</table>\n");
    }

    private static void FindingsSection(TextWriter w, List<Finding> findings, TriageResult t)
    {
        w.Write($"<h2 id=\"findings\">Findings ({findings.Count})</h2>\n");
        if (findings.Count == 0)
        {
            w.Write("<p>No rule matched.</p>\n");
            return;
        }
        w.Write("<table><tr><th>Severity</th><th>Rule</th><th>ATT&amp;CK</th><th>Container</th><th>What</th><th>Evidence</th></tr>\n");
        for (int i = 0; i < findings.Count; i++)
        {
            var f = findings[i];
            string sev = f.Severity.ToString().ToLowerInvariant();
            w.Write($"<tr class=\"finding\" data-rule=\"{Visible.Html(f.Id)}\"><td class=\"{sev}\">{sev}</td><td>{Visible.Html(f.Id)}<br>{Visible.Html(f.Title)}</td>");
            w.Write($"<td>{Visible.Html(f.Attack)}</td><td><code>{Visible.Html(f.Container)}</code></td><td><code>{Visible.Html(f.Detail)}</code></td><td>");
            foreach (var e in f.Evidence)
            {
                Evidence(w, e.Path, e.Sha256);
            }
            if (t.Excerpts.ContainsKey(f))
            {
                w.Write($"<a href=\"#excerpt-{i}\">log lines around it</a>");
            }
            w.Write("</td></tr>\n");
        }
        w.Write("</table>\n");
    }

    /// <summary>Each finding's log excerpts: the lines that name its subject and the line nearest its time, the hit marked, each with its archive path and sha256.</summary>
    private static void ExcerptsSection(TextWriter w, TriageResult t)
    {
        if (t.Excerpts.Count == 0)
        {
            return;
        }
        w.Write("<h2 id=\"excerpts\">Log excerpts around findings</h2>\n");
        for (int i = 0; i < t.Findings.Count; i++)
        {
            var f = t.Findings[i];
            if (!t.Excerpts.TryGetValue(f, out var excerpts))
            {
                continue;
            }
            w.Write($"<h3 id=\"excerpt-{i}\" class=\"excerpt\" data-rule=\"{Visible.Html(f.Id)}\">{Visible.Html(f.Id)} in <code>{Visible.Html(f.Container)}</code></h3>\n");
            foreach (var x in excerpts)
            {
                w.Write($"<p>{Visible.Html(x.Why)}: ");
                Evidence(w, x.Path, Sha(t, x.Path));
                w.Write("</p><pre class=\"m\">");
                foreach (var line in x.Lines)
                {
                    string text = $"{line.Number,6}  {Visible.Html(line.Text)}";
                    w.Write(line.Hit ? $"<mark>{text}</mark>\n" : text + "\n");
                }
                w.Write("</pre>\n");
            }
        }
    }

    private static void ContainerSection(TextWriter w, ContainerSummary c, TriageResult t)
    {
        w.Write($"<h2>Container {Visible.Html(c.DisplayName)}</h2>\n<p class=\"ev\">Folder <code>{Visible.Html(c.Folder)}</code></p><table>\n");
        Row(w, "Runtime", c.Runtime);
        Row(w, "Id", c.Id);
        Row(w, "Image", c.Image);
        Row(w, "State", c.State);
        Row(w, "Started / finished", $"{c.StartedAt} / {c.FinishedAt}");
        Row(w, "Exit code", c.ExitCode?.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var privileges = new List<string>();
        if (c.Privileged) privileges.Add("PRIVILEGED");
        if (c.CapAdd.Count > 0) privileges.Add("capabilities added: " + string.Join(", ", c.CapAdd));
        if (c.SharesHostPid) privileges.Add("host PID namespace");
        if (c.SharesHostNetwork) privileges.Add("host network");
        if (c.SharesHostIpc) privileges.Add("host IPC");
        if (c.HostMounts.Count > 0) privileges.Add("host paths mounted: " + string.Join(", ", c.HostMounts));
        if (c.HostMounts.Exists(m => m.EndsWith("docker.sock", StringComparison.Ordinal))) privileges.Add("THE DOCKER SOCKET IS MOUNTED");
        if (c.SeccompOff) privileges.Add("seccomp unconfined");
        if (c.SeccompAbsent) privileges.Add("no seccomp profile in the OCI spec");
        if (c.AppArmorOff) privileges.Add("AppArmor unconfined");
        if (c.RunsAsRoot) privileges.Add("runs as root");
        if (c.UserUnknown) privileges.Add("user not in the pod's spec (the image's)");
        Row(w, "Privileges", privileges.Count == 0 ? "none of note" : string.Join("; ", privileges));
        if (c.Pod is { } pod)
        {
            Row(w, "Service account", pod.ServiceAccount);
            Row(w, "Bound to cluster-admin", pod.ClusterAdmin.Count == 0 ? "no" : string.Join("; ", pod.ClusterAdmin.Select(g => $"{g.Binding} ({g.Scope}): {g.Why}")));
            Row(w, "hostPath volumes", pod.HostPaths.Count == 0 ? "none" : string.Join(", ", pod.HostPaths.Select(h => $"{h.Volume} = {h.Path}")));
            Row(w, "Secrets mounted", pod.Secrets.Count == 0 ? "none" : string.Join(", ", pod.Secrets.Select(x => $"{x.Secret} (volume {x.Volume})")));
        }
        w.Write("</table>\n");
        if (c.InspectPath is { } inspect)
        {
            w.Write("<p>State and privileges from ");
            Evidence(w, inspect, Sha(t, inspect));
            w.Write("</p>\n");
        }

        w.Write("<h3>Processes</h3>\n");
        if (c.Processes.Count == 0)
        {
            w.Write("<p>None recorded (a stopped container, or no host-side evidence).</p>\n");
        }
        else
        {
            w.Write("<p>From ");
            Evidence(w, c.ProcessesPath!, Sha(t, c.ProcessesPath!));
            w.Write("</p><table><tr><th>PID</th><th>PPID</th><th>Name</th><th>User</th><th>Executable</th><th>sha256</th><th>Command line</th></tr>\n");
            foreach (var p in TreeOrder(c.Processes))
            {
                w.Write($"<tr><td>{p.Process.Pid}</td><td>{p.Process.Ppid}</td><td><code>{Visible.Html(new string('·', p.Depth * 2) + p.Process.Name)}</code></td><td>{p.Process.Uid}</td>");
                w.Write($"<td><code>{Visible.Html(p.Process.Exe)}</code>{(p.Process.ExeDeleted ? " <strong>DELETED</strong>" : "")}</td><td>");
                if (p.Process.ExeStoredAs is { } stored)
                {
                    Evidence(w, stored, p.Process.ExeSha256);
                }
                else
                {
                    w.Write($"<code>{Visible.Html(p.Process.ExeSha256)}</code>");
                }
                w.Write($"</td><td><code>{Visible.Html(string.Join(" ", p.Process.Argv))}</code></td></tr>\n");
            }
            w.Write("</table>\n");
        }

        w.Write("<h3>Network</h3>\n");
        var sockets = c.Sockets.Where(s => s.State is "LISTEN" or "ESTABLISHED" or "SYN_SENT" || s.Protocol is "udp" or "raw").ToList();
        if (sockets.Count == 0)
        {
            w.Write("<p>No listening or connected socket recorded.</p>\n");
        }
        else
        {
            w.Write("<table><tr><th>Protocol</th><th>Local</th><th>Remote</th><th>State</th><th>Processes</th><th>Evidence</th></tr>\n");
            foreach (var s in sockets)
            {
                var owners = string.Join(", ", s.OwnerPids.Select(pid => c.Processes.Find(p => p.Pid == pid) is { } p ? $"{pid} {p.Name} ({p.Exe})" : pid.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                w.Write($"<tr><td>{Visible.Html(s.Protocol)}</td><td><code>{Visible.Html($"{s.LocalAddress}:{s.LocalPort}")}</code></td><td><code>{Visible.Html($"{s.RemoteAddress}:{s.RemotePort}")}</code></td><td>{Visible.Html(s.State)}</td><td><code>{Visible.Html(owners)}</code></td><td>");
                Evidence(w, s.DocumentPath, Sha(t, s.DocumentPath));
                w.Write("</td></tr>\n");
            }
            w.Write("</table>\n");
        }

        w.Write("<h3>Filesystem changes of note</h3>\n");
        if (c.Files.Count == 0)
        {
            w.Write("<p>No executable, SUID/SGID, deleted or rule-named file in the writable layer, and nothing a full-tree rule matches (or no filesystem was collected).</p>\n");
        }
        else
        {
            w.Write("<table><tr><th>Change</th><th>Path</th><th>Mode</th><th>Size</th><th>Notes</th><th>Evidence</th></tr>\n");
            foreach (var f in c.Files)
            {
                var notes = new List<string>();
                if (f.Executable) notes.Add("executable");
                if (f.SetId) notes.Add((f.Mode & 0x800) != 0 ? "SUID" : "SGID");
                notes.AddRange(f.ContentMatches.Select(m => $"{m.Key}: {m.Value}"));
                w.Write($"<tr><td>{Visible.Html(f.Change)}</td><td><code>{Visible.Html(f.ContainerPath)}</code></td><td>{(f.Mode is { } mode ? Convert.ToString(mode, 8) : "")}</td><td>{f.Size}</td><td>{Visible.Html(string.Join("; ", notes))}</td><td>");
                Evidence(w, f.ArchivePath, f.Sha256);
                w.Write("</td></tr>\n");
            }
            w.Write("</table>\n");
            if (c.FilesNotKept > 0)
            {
                w.Write($"<p>... and {c.FilesNotKept} more not listed.</p>\n");
            }
        }

        if (c.LogTail.Count > 0)
        {
            w.Write("<h3>Log excerpt (the last lines)</h3>\n<pre class=\"m\">");
            foreach (var (path, line) in c.LogTail)
            {
                w.Write(Visible.Html(line));
                w.Write('\n');
            }
            w.Write("</pre><p>From ");
            foreach (var path in c.LogTail.Select(l => l.Path).Distinct(StringComparer.Ordinal))
            {
                Evidence(w, path, Sha(t, path));
            }
            w.Write("</p>\n");
        }
    }

    private static string? Sha(TriageResult t, string path) => t.Sha256.TryGetValue(path, out var sha) ? sha : null;

    private static void Evidence(TextWriter w, string path, string? sha256) =>
        w.Write($"<span class=\"ev\"><code>{Visible.Html(path)}</code> sha256 <code>{Visible.Html(sha256 ?? "(none in the manifest)")}</code></span><br>");

    private static void Row(TextWriter w, string name, string? value) =>
        w.Write($"<tr><th>{name}</th><td>{Visible.Html(value ?? "(not recorded)")}</td></tr>\n");

    /// <summary>Processes parent first, children indented; orphans (parent outside the container) at the top level.</summary>
    internal static IEnumerable<(ProcessInfo Process, int Depth)> TreeOrder(List<ProcessInfo> processes)
    {
        var pids = processes.Select(p => p.Pid).ToHashSet();
        var children = processes.Where(p => p.Ppid is { } pp && pids.Contains(pp) && pp != p.Pid).ToLookup(p => p.Ppid!.Value);
        var stack = new Stack<(ProcessInfo, int)>(processes.Where(p => p.Ppid is not { } pp || !pids.Contains(pp) || pp == p.Pid).OrderByDescending(p => p.Pid).Select(p => (p, 0)));
        var seen = new HashSet<long>();
        while (stack.Count > 0)
        {
            var (p, depth) = stack.Pop();
            if (!seen.Add(p.Pid))
            {
                continue;
            }
            yield return (p, depth);
            foreach (var child in children[p.Pid].OrderByDescending(x => x.Pid))
            {
                stack.Push((child, depth + 1));
            }
        }
    }
}
