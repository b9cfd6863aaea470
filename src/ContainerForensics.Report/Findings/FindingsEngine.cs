using ContainerForensics.Report.Triage;

namespace ContainerForensics.Report.Findings;

/// <summary>
/// Runs every rule over every container's summary. Each finding carries the archive paths it
/// rests on, with their sha256 from the manifest (<paramref name="sha256Of"/>); a finding with
/// no evidence path is not emitted (that would be a defect), it throws.
/// </summary>
public static class FindingsEngine
{
    public static List<Finding> Evaluate(RuleSet rules, IEnumerable<ContainerSummary> containers, Func<string, string?> sha256Of)
    {
        var findings = new List<Finding>();
        foreach (var c in containers)
        {
            foreach (var rule in rules.Rules)
            {
                foreach (var (evidence, detail, subject) in Match(rule, c))
                {
                    var refs = evidence.Where(p => p is not null).Distinct(StringComparer.Ordinal).Select(p => new EvidenceRef(p!, sha256Of(p!))).ToList();
                    if (refs.Count == 0)
                    {
                        throw new InvalidOperationException($"rule {rule.Rule.Id} matched in {c.Folder} without an evidence path");
                    }
                    findings.Add(new Finding(rule.Rule.Id, rule.Severity, rule.Rule.Title, c.Folder, rule.Rule.Attack, refs, detail) { Subject = subject });
                }
            }
        }
        return [.. findings.OrderByDescending(f => f.Severity).ThenBy(f => f.Container, StringComparer.Ordinal).ThenBy(f => f.Id, StringComparer.Ordinal)];
    }

    private static IEnumerable<(string?[] Evidence, string Detail, FindingSubject Subject)> Match(CompiledRule rule, ContainerSummary c) => rule.Rule.Match.Target switch
    {
        "process" => c.Processes.Where(p => Process(rule.Rule.Match, p, c)).Select(p => (ProcessEvidence(c, p), Describe(p), Subjects.Of(p))),
        "socket" => Sockets(rule.Rule.Match, c),
        "file" => c.Files.Where(f => FileMatches(rule, f)).Select(f => (new string?[] { f.ArchivePath },
            (f.Change == "present" ? $"{f.ContainerPath} is present in the full tree ({FullTreeNote})" : $"{f.Change} {f.ContainerPath}")
            + $" (mode {(f.Mode is { } m ? Convert.ToString(m, 8) : "?")})"
            + (f.ContentMatches.TryGetValue(rule.Rule.Id, out var hit) ? $": matches \"{hit}\"" : ""), Subjects.Of(f))),
        "account" => c.Accounts.Where(a => (rule.Rule.Match.Uid0 is not { } u || u == (a.Uid == "0" && a.Name != "root"))
                && (rule.Rule.Match.EmptyPassword is not { } e || e == a.EmptyPassword)
                && (rule.Rule.Match.FullTree is not { } full || full == a.FullTree))
            .Select(a => (new string?[] { a.ArchivePath }, $"{a.File}: account {a.Name}" + (a.Uid is null ? "" : $" uid {a.Uid}") + (a.EmptyPassword ? ", no password" : "")
                + (a.FullTree ? $" (read from the full tree: {FullTreeNote})" : ""), Subjects.Of(a))),
        "container" => c.PrivilegeEvidence.ToArray() is { Length: > 0 } sources && Container(rule.Rule.Match, c) is { } why ? [(sources, why, Subjects.Of(c))] : [],
        "pod" => c.Pod is { } pod && Pod(rule.Rule.Match, pod) is var (podEvidence, podWhy) ? [(podEvidence, podWhy, Subjects.Of(c))] : [],
        _ => [],
    };

    /// <summary>Said in every finding from a full tree: the image cannot be compared against, so it may be the image's own.</summary>
    internal const string FullTreeNote = "filesystem/full: the whole filesystem, not a diff against the image; it may come with the image";

    internal static string Describe(ProcessInfo p) =>
        $"pid {p.Pid} {(p.Name is null ? "" : $"({p.Name}) ")}exe {p.Exe ?? "?"}{(p.ExeDeleted && p.Exe?.EndsWith(" (deleted)", StringComparison.Ordinal) != true ? " (deleted)" : "")}, uid {p.Uid?.ToString() ?? "?"}, argv [{string.Join(" ", p.Argv)}]";

    private static string?[] ProcessEvidence(ContainerSummary c, ProcessInfo p) => [c.ProcessesPath, p.ExeStoredAs];

    private static bool Process(RuleMatch m, ProcessInfo p, ContainerSummary c)
    {
        string exe = p.Exe is { } e && e.EndsWith(" (deleted)", StringComparison.Ordinal) ? e[..^10] : p.Exe ?? "";
        if (m.ExeDeleted is { } deleted && deleted != p.ExeDeleted)
        {
            return false;
        }
        if (m.ExeUnder is { } under && !under.Exists(u => exe.StartsWith(u, StringComparison.Ordinal)))
        {
            return false;
        }
        if (m.ExeInWritableLayer is { } writable && writable != c.Files.Exists(f => f.ContainerPath == exe && f.Change is not ("deleted" or "present")))
        {
            return false;
        }
        if (m.Capabilities is { } caps && !caps.Exists(cap => p.EffectiveCapabilities.Contains(cap, StringComparer.OrdinalIgnoreCase)))
        {
            return false;
        }
        if (m.Masquerade is { } masquerade && masquerade != Masquerades(p, exe, m.MultiCall ?? []))
        {
            return false;
        }
        return true;
    }

    /// <summary>
    /// argv[0]'s name is not the executable's, and neither names the other (python3 runs
    /// python3.12; a login shell's argv[0] is "-sh"); multi-call executables are many programs.
    /// </summary>
    internal static bool Masquerades(ProcessInfo p, string exe, IReadOnlyList<string> multiCall)
    {
        if (p.Argv.Count == 0 || exe.Length == 0 || !exe.StartsWith('/'))
        {
            return false;
        }
        string exeName = exe[(exe.LastIndexOf('/') + 1)..];
        string arg0 = p.Argv[0].TrimStart('-');
        arg0 = arg0.Split(' ', ':')[0];
        arg0 = arg0[(arg0.LastIndexOf('/') + 1)..];
        if (arg0.Length == 0 || multiCall.Contains(exeName, StringComparer.Ordinal))
        {
            return false;
        }
        return !exeName.StartsWith(arg0, StringComparison.Ordinal) && !arg0.StartsWith(exeName, StringComparison.Ordinal);
    }

    private static IEnumerable<(string?[], string, FindingSubject)> Sockets(RuleMatch m, ContainerSummary c)
    {
        foreach (var s in c.Sockets)
        {
            if (m.States is { } states && !states.Contains(s.State ?? "", StringComparer.OrdinalIgnoreCase))
            {
                continue;
            }
            foreach (long pid in s.OwnerPids)
            {
                var p = c.Processes.Find(x => x.Pid == pid);
                if (p is null)
                {
                    continue;
                }
                string? arg0 = p.Argv.Count > 0 ? p.Argv[0].Split(' ')[0] : null;
                arg0 = arg0?[(arg0.LastIndexOf('/') + 1)..];
                if (m.ProcessNames is { } names && !names.Contains(p.Name ?? "", StringComparer.Ordinal) && !names.Contains(arg0 ?? "", StringComparer.Ordinal))
                {
                    continue;
                }
                yield return ([s.DocumentPath, c.ProcessesPath, p.ExeStoredAs],
                    $"{s.Protocol} {s.LocalAddress}:{s.LocalPort} -> {s.RemoteAddress}:{s.RemotePort} {s.State}, held by {Describe(p)}", Subjects.Of(s, p));
            }
        }
    }

    internal static bool FileMatches(CompiledRule rule, FileChange f)
    {
        var m = rule.Rule.Match;
        return (m.Change is null || m.Change.Contains(f.Change, StringComparer.Ordinal))
            && (m.Executable is not { } x || x == f.Executable)
            && (m.SetId is not { } s || s == f.SetId)
            && (m.Paths is null && m.Names is null || rule.PathMatches(f.ContainerPath))
            && (rule.Content is null || f.ContentMatches.ContainsKey(rule.Rule.Id));
    }

    private static string? Container(RuleMatch m, ContainerSummary c)
    {
        var why = new List<string>();
        if (m.Privileged is { } privileged)
        {
            if (privileged != c.Privileged) return null;
            why.Add("privileged");
        }
        if (m.MountsAny is { } mounts)
        {
            var hit = c.HostMounts.Where(h => mounts.Contains(h, StringComparer.Ordinal)).ToList();
            if (hit.Count == 0) return null;
            why.Add("host paths mounted: " + string.Join(", ", hit));
        }
        if (m.HostNamespaces is { } ns)
        {
            var shared = new[] { (c.SharesHostPid, c.HostPid, "PID"), (c.SharesHostNetwork, c.HostNetwork, "network"), (c.SharesHostIpc, c.HostIpc, "IPC") }
                .Where(x => x.Item1)
                .Select(x => x.Item2 ? x.Item3 : x.Item3 + " (seen in /proc: a process's namespace is the host's; the engine's documents do not say so)")
                .ToList();
            if (ns != shared.Count > 0) return null;
            why.Add("host namespaces: " + string.Join(", ", shared));
        }
        if (m.SecurityOff is { } off)
        {
            if (off != (c.SeccompOff || c.AppArmorOff)) return null;
            why.Add((c.SeccompOff ? "seccomp unconfined " : "") + (c.AppArmorOff ? "apparmor unconfined" : ""));
        }
        if (m.CapAdd is { } caps)
        {
            var hit = c.CapAdd.Where(x => caps.Contains(x, StringComparer.OrdinalIgnoreCase)).ToList();
            if (hit.Count == 0) return null;
            why.Add("capabilities added: " + string.Join(", ", hit));
        }
        if (m.SeccompAbsent is { } absent)
        {
            if (absent != c.SeccompAbsent) return null;
            why.Add("the OCI spec has no seccomp profile (every system call allowed)");
        }
        if (m.RunsAsRoot is { } root)
        {
            if (root != c.RunsAsRoot) return null;
            why.Add("runs as root");
        }
        return string.Join("; ", why).Trim();
    }

    /// <summary>A pod rule: one finding per pod, naming every binding, volume or Secret that matched and the documents they are in.</summary>
    private static (string?[], string)? Pod(RuleMatch m, KubernetesPod pod)
    {
        var why = new List<string>();
        var evidence = new List<string?>();
        if (m.ClusterAdmin is { } admin)
        {
            if (admin != pod.ClusterAdmin.Count > 0) return null;
            evidence.Add(pod.GrantsPath);
            foreach (var g in pod.ClusterAdmin)
            {
                why.Add($"service account {pod.ServiceAccount}: {g.Binding} ({g.Scope}) grants {g.Why}");
                evidence.Add(g.BindingPath);
                evidence.Add(g.RolePath);
            }
        }
        if (m.HostPath is { } hostPath)
        {
            if (hostPath != pod.HostPaths.Count > 0) return null;
            evidence.Add(pod.PodPath);
            why.Add("hostPath volumes: " + string.Join(", ", pod.HostPaths.Select(h => $"{h.Volume} = {h.Path}")));
        }
        if (m.SecretsMounted is { } secrets)
        {
            if (secrets != pod.Secrets.Count > 0) return null;
            evidence.Add(pod.PodPath);
            why.Add("Secrets mounted as files: " + string.Join(", ", pod.Secrets.Select(s => $"{s.Secret} (volume {s.Volume})"))
                + "; their keys' sha256 in secrets/NAME.json, never their values");
            evidence.AddRange(pod.Secrets.Select(s => pod.SecretDigests.GetValueOrDefault(s.Secret)));
        }
        return ([.. evidence], string.Join("; ", why));
    }
}
