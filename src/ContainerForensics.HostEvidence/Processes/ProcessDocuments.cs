using System.Globalization;
using System.Text;
using System.Text.Json;

namespace ContainerForensics.HostEvidence.Processes;

/// <summary>
/// The decoded process documents: processes.json (one object per process, for tools) and
/// processes.txt (a table for a person). Both are made from the archived bytes of each
/// process's raw /proc files, so they can be checked against them.
/// </summary>
internal static class ProcessDocuments
{
    /// <summary>/proc/&lt;pid&gt;/loginuid of a process with no login session: (uid_t)-1.</summary>
    private const uint UnsetLoginUid = uint.MaxValue;

    public static byte[] Json(ProcessSet set, IReadOnlyList<ProcessRecord> processes, BootClock? boot, HostNamespaces? host = null) => EvidenceJson.Build(json =>
    {
        json.WriteStartObject();
        json.WriteNumber("initPid", set.InitPid);
        json.WriteString("selectedBy", set.Method);
        if (boot is not null)
        {
            json.WriteNumber("bootTime", boot.BootTimeSeconds);
            json.WriteNumber("clockTicksPerSecond", boot.TicksPerSecond);
        }
        if (host is not null)
        {
            json.WriteStartObject("hostNamespaces");
            json.WriteString("from", host.From);
            json.WriteStartObject("namespaces");
            foreach (var (type, link) in host.Links)
            {
                json.WriteString(type, link);
            }
            json.WriteEndObject();
            json.WriteEndObject();
        }
        json.WriteStartArray("processes");
        foreach (var p in processes)
        {
            WriteProcess(json, p);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    });

    private static void WriteProcess(Utf8JsonWriter json, ProcessRecord p)
    {
        json.WriteStartObject();
        json.WriteNumber("pid", p.Pid);
        if (p.Status?.NamespacePids is { } nspid)
        {
            json.WriteStartArray("nspid");
            foreach (int n in nspid)
            {
                json.WriteNumberValue(n);
            }
            json.WriteEndArray();
        }
        if (p.NestedPidNamespace)
        {
            json.WriteBoolean("nestedPidNamespace", true);
        }
        if (p.Exited is not null)
        {
            json.WriteString("exited", p.Exited);
        }
        if (p.Stat is { } stat)
        {
            json.WriteNumber("ppid", stat.ParentPid);
            EvidenceJson.WriteBytes(json, "name", stat.Command);
            json.WriteString("state", stat.State.ToString());
            json.WriteNumber("threads", stat.Threads);
            json.WriteNumber("startTicks", stat.StartTicks);
        }
        if (p.StartTime is { } start)
        {
            json.WriteString("startTime", start.ToIso8601());
        }
        if (p.Status is { } status)
        {
            WriteIds(json, "uid", status.Uids);
            WriteIds(json, "gid", status.Gids);
            if (status.Groups is { } groups)
            {
                json.WriteStartArray("groups");
                foreach (long g in groups)
                {
                    json.WriteNumberValue(g);
                }
                json.WriteEndArray();
            }
        }
        if (p.Argv is { } argv)
        {
            EvidenceJson.WriteByteArray(json, "argv", argv);
            if (p.ArgvUnterminated)
            {
                json.WriteBoolean("argvUnterminated", true);
            }
        }
        EvidenceJson.WriteBytes(json, "exe", p.ExeTarget);
        if (p.ExeTarget is not null || p.ExeDeleted is not null)
        {
            json.WriteBoolean("deleted", p.ExeDeleted ?? p.ExeTarget.AsSpan().EndsWith(" (deleted)"u8));
        }
        if (p.ExeTarget is { } target && target.AsSpan().StartsWith("/memfd:"u8))
        {
            json.WriteBoolean("memfd", true);
        }
        if (p.ExeSha256 is not null)
        {
            json.WriteString("exeSha256", p.ExeSha256);
        }
        if (p.ExeStoredAs is not null)
        {
            json.WriteString("exeStoredAs", p.ExeStoredAs);
        }
        if (p.ExeSize is { } size)
        {
            json.WriteNumber("exeSize", size);
        }
        if (p.ExeInode is { } inode)
        {
            json.WriteString("exeDevice", p.ExeDevice);
            json.WriteNumber("exeInode", inode);
        }
        if (p.ExeLinkCount is { } links)
        {
            json.WriteNumber("exeLinkCount", links);
        }
        EvidenceJson.WriteBytes(json, "cwd", p.Cwd);
        EvidenceJson.WriteBytes(json, "root", p.Root);
        if (p.Fds is { } fds)
        {
            json.WriteStartArray("fds");
            foreach (var fd in fds)
            {
                json.WriteStartObject();
                json.WriteNumber("fd", fd.Fd);
                EvidenceJson.WriteBytes(json, "target", fd.Target);
                if (fd.Access is not null)
                {
                    json.WriteString("access", fd.Access);
                }
                if (fd.SocketInode is { } socket)
                {
                    json.WriteNumber("socketInode", socket);
                }
                if (fd.Error is not null)
                {
                    json.WriteString("error", fd.Error);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        if (p.Namespaces is { } namespaces)
        {
            json.WriteStartObject("namespaces");
            foreach (var (type, link) in namespaces)
            {
                EvidenceJson.WriteBytes(json, type, link);
            }
            json.WriteEndObject();
        }
        if (p.Status is { } s)
        {
            json.WriteStartObject("capabilities");
            WriteCapabilities(json, "inheritable", s.CapInh);
            WriteCapabilities(json, "permitted", s.CapPrm);
            WriteCapabilities(json, "effective", s.CapEff);
            WriteCapabilities(json, "bounding", s.CapBnd);
            WriteCapabilities(json, "ambient", s.CapAmb);
            json.WriteEndObject();
            if (s.Seccomp is { } seccomp)
            {
                json.WriteString("seccomp", LinuxCapabilities.SeccompModeName(seccomp));
                json.WriteNumber("seccompMode", seccomp);
            }
            if (s.SeccompFilters is { } filters)
            {
                json.WriteNumber("seccompFilters", filters);
            }
            if (s.NoNewPrivs is { } nnp)
            {
                json.WriteBoolean("noNewPrivs", nnp != 0);
            }
            if (s.TracerPid is { } tracer && tracer != "0")
            {
                json.WriteString("tracerPid", tracer);
            }
        }
        if (p.LoginUid is { } loginUid)
        {
            json.WriteNumber("loginuid", loginUid);
            json.WriteBoolean("loginuidSet", loginUid != UnsetLoginUid);
        }
        if (p.CgroupLines is { } cgroup)
        {
            EvidenceJson.WriteByteArray(json, "cgroup", cgroup);
        }
        if (p.Items.Count > 0)
        {
            json.WriteStartObject("items");
            foreach (var (name, outcome) in p.Items)
            {
                json.WriteString(name, outcome);
            }
            json.WriteEndObject();
        }
        if (p.Notes.Count > 0)
        {
            json.WriteStartArray("notes");
            foreach (var note in p.Notes)
            {
                json.WriteStringValue(note);
            }
            json.WriteEndArray();
        }
        json.WriteEndObject();
    }

    /// <summary>Uid/Gid lines: real, effective, saved set, filesystem.</summary>
    private static void WriteIds(Utf8JsonWriter json, string name, IReadOnlyList<long>? ids)
    {
        if (ids is not { Count: 4 })
        {
            return;
        }
        json.WriteStartObject(name);
        json.WriteNumber("real", ids[0]);
        json.WriteNumber("effective", ids[1]);
        json.WriteNumber("saved", ids[2]);
        json.WriteNumber("filesystem", ids[3]);
        json.WriteEndObject();
    }

    private static void WriteCapabilities(Utf8JsonWriter json, string name, ulong? mask)
    {
        if (mask is not { } m)
        {
            return;
        }
        json.WriteStartObject(name);
        json.WriteString("hex", m.ToString("x16", CultureInfo.InvariantCulture));
        json.WriteStartArray("names");
        foreach (var cap in LinuxCapabilities.Decode(m))
        {
            json.WriteStringValue(cap);
        }
        json.WriteEndArray();
        json.WriteEndObject();
    }

    /// <summary>processes.txt: one line per process, like ps -ef with the container's own pid, the executable and what is notable.</summary>
    public static byte[] Text(ProcessSet set, IReadOnlyList<ProcessRecord> processes)
    {
        var rows = new List<string[]> { new[] { "PID", "PPID", "NSPID", "UID", "S", "STARTED (UTC)", "EXE", "COMMAND" } };
        foreach (var p in processes)
        {
            string exe = p.ExeTarget is null ? "?" : EvidenceJson.Printable(p.ExeTarget);
            if (p.ExeDeleted == true && !exe.EndsWith(" (deleted)", StringComparison.Ordinal))
            {
                exe += " (deleted)";
            }
            string command = p.Argv is { Count: > 0 } argv
                ? string.Join(' ', argv.Select(a => EvidenceJson.Printable(a)))
                : p.Stat is { } st ? "[" + EvidenceJson.Printable(st.Command) + "]" : "?";
            var notes = new List<string>();
            if (p.Exited is not null)
            {
                notes.Add("exited " + p.Exited);
            }
            if (p.NestedPidNamespace)
            {
                notes.Add("nested pid namespace");
            }
            if (p.Items.Count > 0)
            {
                notes.Add($"{p.Items.Count} item(s) not collected");
            }
            if (notes.Count > 0)
            {
                command += "   <" + string.Join("; ", notes) + ">";
            }
            rows.Add(
            [
                p.Pid.ToString(CultureInfo.InvariantCulture),
                p.Stat?.ParentPid.ToString(CultureInfo.InvariantCulture) ?? "?",
                p.Status?.NamespacePids is { Count: > 0 } ns ? ns[^1].ToString(CultureInfo.InvariantCulture) : "?",
                p.Status?.Uids is { Count: > 1 } uids ? uids[1].ToString(CultureInfo.InvariantCulture) : "?",
                p.Stat?.State.ToString() ?? "?",
                p.StartTime?.ToIso8601() ?? "?",
                exe,
                command,
            ]);
        }
        var widths = Enumerable.Range(0, rows[0].Length - 1).Select(c => rows.Max(r => r[c].Length)).ToArray();
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"# processes of the container, selected by {set.Method}; init pid {set.InitPid}; UID is the effective uid\n");
        foreach (var row in rows)
        {
            for (int c = 0; c < row.Length - 1; c++)
            {
                sb.Append(row[c].PadRight(widths[c])).Append("  ");
            }
            sb.Append(row[^1]).Append('\n');
        }
        return Encoding.UTF8.GetBytes(sb.ToString());
    }
}
