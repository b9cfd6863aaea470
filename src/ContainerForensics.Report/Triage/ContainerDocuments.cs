using System.Text.Json;
using static ContainerForensics.Report.Triage.JsonValues;

namespace ContainerForensics.Report.Triage;

/// <summary>
/// Fills a <see cref="ContainerSummary"/> from the documents the collectors wrote: Docker's and
/// Podman's inspect.json, processes.json and sockets.json (docs/evidence-format.md). Every
/// field is optional: a document from another engine version may lack any of them.
/// </summary>
internal static class ContainerDocuments
{
    public static void FromInspect(JsonElement root, ContainerSummary c)
    {
        c.Name = Str(root, "Name")?.TrimStart('/') ?? c.Name;
        c.Id = Str(root, "Id") ?? c.Id;
        if (Obj(root, "Config") is { } config)
        {
            c.Image = Str(config, "Image") ?? c.Image;
            c.User = Str(config, "User");
        }
        c.Image ??= Str(root, "ImageName") ?? Str(root, "Image");
        if (Obj(root, "State") is { } state)
        {
            c.State = Str(state, "Status");
            c.StartedAt = Str(state, "StartedAt");
            c.FinishedAt = Str(state, "FinishedAt");
            c.ExitCode = state.TryGetProperty("ExitCode", out var exit) && exit.ValueKind == JsonValueKind.Number ? exit.GetInt64() : null;
        }
        if (Obj(root, "HostConfig") is { } host)
        {
            FromHostConfig(host, c);
        }
        if (root.TryGetProperty("Mounts", out var mounts) && mounts.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in mounts.EnumerateArray())
            {
                if (Str(m, "Type") == "bind" && Str(m, "Source") is { } source)
                {
                    Add(c.HostMounts, source);
                }
            }
        }
    }

    /// <summary>The namespace types a shared one makes a container rule's claim: the host's PID, network or IPC namespace.</summary>
    private static readonly string[] SharedTypes = ["pid", "net", "ipc"];

    public static void FromProcesses(JsonElement root, ContainerSummary c)
    {
        if (!root.TryGetProperty("processes", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        var host = Obj(root, "hostNamespaces") is { } h && Obj(h, "namespaces") is { } hn ? hn : (JsonElement?)null;
        foreach (var p in list.EnumerateArray())
        {
            if (!p.TryGetProperty("pid", out var pid) || pid.ValueKind != JsonValueKind.Number)
            {
                continue;
            }
            if (host is { } hostNs && Obj(p, "namespaces") is { } own)
            {
                foreach (string type in SharedTypes)
                {
                    if (Str(own, type) is { } link && Str(hostNs, type) == link)
                    {
                        c.HostNamespacesSeen.Add(type);
                    }
                }
            }
            long? uid = Obj(p, "uid") is { } u && u.TryGetProperty("effective", out var eu) && eu.ValueKind == JsonValueKind.Number ? eu.GetInt64() : null;
            var caps = Obj(p, "capabilities") is { } cs && Obj(cs, "effective") is { } eff ? Strings(eff, "names") : [];
            var sockets = new List<long>();
            if (p.TryGetProperty("fds", out var fds) && fds.ValueKind == JsonValueKind.Array)
            {
                foreach (var fd in fds.EnumerateArray())
                {
                    if (fd.TryGetProperty("socketInode", out var inode) && inode.ValueKind == JsonValueKind.Number)
                    {
                        sockets.Add(inode.GetInt64());
                    }
                }
            }
            c.Processes.Add(new ProcessInfo(
                pid.GetInt64(),
                p.TryGetProperty("ppid", out var ppid) && ppid.ValueKind == JsonValueKind.Number ? ppid.GetInt64() : null,
                Bytes(p, "name"),
                p.TryGetProperty("argv", out _) ? Strings(p, "argv") : Strings(p, "argvBase64").Select(b => "base64:" + b).ToList(),
                Bytes(p, "exe"),
                p.TryGetProperty("deleted", out var d) && d.ValueKind == JsonValueKind.True,
                Str(p, "exeSha256"),
                Str(p, "exeStoredAs"),
                uid,
                caps,
                sockets) { StartTime = Str(p, "startTime") });
        }
    }

    public static void FromSockets(JsonElement root, ContainerSummary c, string documentPath)
    {
        if (!root.TryGetProperty("sockets", out var list) || list.ValueKind != JsonValueKind.Array)
        {
            return;
        }
        foreach (var s in list.EnumerateArray())
        {
            string protocol = Str(s, "protocol") ?? "?";
            if (protocol is "unix" or "packet" or "netlink")
            {
                continue;
            }
            var owners = new List<long>();
            if (s.TryGetProperty("owners", out var o) && o.ValueKind == JsonValueKind.Array)
            {
                foreach (var owner in o.EnumerateArray())
                {
                    if (owner.TryGetProperty("pid", out var pid) && pid.ValueKind == JsonValueKind.Number)
                    {
                        owners.Add(pid.GetInt64());
                    }
                }
            }
            c.Sockets.Add(new SocketInfo(protocol, Str(s, "localAddress"), Num(s, "localPort"), Str(s, "remoteAddress"), Num(s, "remotePort"),
                Str(s, "state"), Num(s, "inode") ?? 0, owners, documentPath));
        }
    }

    /// <summary>
    /// A HostConfig: inspect's <c>HostConfig</c>, or a dead-box Docker container's
    /// <c>hostconfig.json</c>, which is the same object as dockerd keeps it on disk.
    /// </summary>
    public static void FromHostConfig(JsonElement host, ContainerSummary c)
    {
        c.Privileged = host.TryGetProperty("Privileged", out var p) && p.ValueKind == JsonValueKind.True;
        c.CapAdd.AddRange(Strings(host, "CapAdd"));
        c.HostPid = Str(host, "PidMode") == "host";
        c.HostNetwork = Str(host, "NetworkMode") == "host";
        c.HostIpc = Str(host, "IpcMode") == "host";
        foreach (var opt in Strings(host, "SecurityOpt"))
        {
            string o = opt.Replace(':', '=');
            c.SeccompOff |= o == "seccomp=unconfined";
            c.AppArmorOff |= o == "apparmor=unconfined";
        }
        foreach (var bind in Strings(host, "Binds"))
        {
            Add(c.HostMounts, bind.Split(':')[0]);
        }
    }

    /// <summary>
    /// A dead-box Docker container's record, <c>config.v2.json</c> as dockerd wrote it: its name,
    /// id, image and user (<c>Config</c>, merged with the image's as in inspect), its state as
    /// recorded, and its bind mounts (<c>MountPoints</c>, a map by destination).
    /// </summary>
    public static void FromDockerRecord(JsonElement root, ContainerSummary c)
    {
        c.Name = Str(root, "Name")?.TrimStart('/') ?? c.Name;
        c.Id = Str(root, "ID") ?? c.Id;
        if (Obj(root, "Config") is { } config)
        {
            c.Image = Str(config, "Image") ?? c.Image;
            c.User = Str(config, "User");
        }
        if (Obj(root, "State") is { } state)
        {
            c.StartedAt = Str(state, "StartedAt");
            // As dockerd's State.StateString derives inspect's Status from these flags.
            c.State = True(state, "Running") ? (True(state, "Paused") ? "paused" : True(state, "Restarting") ? "restarting" : "running")
                : True(state, "RemovalInProgress") ? "removing"
                : True(state, "Dead") ? "dead"
                : c.StartedAt is null || c.StartedAt.StartsWith("0001-01-01", StringComparison.Ordinal) ? "created"
                : "exited";
            c.FinishedAt = Str(state, "FinishedAt");
            c.ExitCode = state.TryGetProperty("ExitCode", out var exit) && exit.ValueKind == JsonValueKind.Number ? exit.GetInt64() : null;
        }
        if (Obj(root, "MountPoints") is { } points)
        {
            foreach (var m in points.EnumerateObject().Select(m => m.Value).Where(v => v.ValueKind == JsonValueKind.Object))
            {
                if (Str(m, "Type") == "bind" && Str(m, "Source") is { Length: > 0 } source)
                {
                    Add(c.HostMounts, source);
                }
            }
        }
    }

    private static void Add(List<string> list, string item)
    {
        if (!list.Contains(item, StringComparer.Ordinal))
        {
            list.Add(item);
        }
    }

    /// <summary>A byte string written as text, or as <c>nameBase64</c> when it was not UTF-8 (shown as base64: so it stays evidence).</summary>
    private static string? Bytes(JsonElement e, string name) => Str(e, name) ?? (Str(e, name + "Base64") is { } b ? "base64:" + b : null);
}
