using System.Text.Json;
using static ContainerForensics.Report.Triage.JsonValues;

namespace ContainerForensics.Report.Triage;

/// <summary>
/// A containerd container's privileges from its OCI runtime spec (<c>metadata/spec.json</c>, the
/// bytes containerd stored: https://github.com/opencontainers/runtime-spec/blob/main/config.md and
/// config-linux.md), the facts Docker's inspect gives for its containers:
/// <list type="bullet">
/// <item>capabilities: the bounding set beyond containerd's default set (oci.defaultUnixCaps, what
/// <c>ctr run</c> and the CRI plugin give) is "added"; a set holding the capabilities no default
/// grants (CAP_SYS_ADMIN, CAP_SYS_MODULE, CAP_SYS_RAWIO, CAP_SYS_BOOT, CAP_SYS_TIME, CAP_MAC_ADMIN)
/// is privileged-like (<c>ctr run --privileged</c> and CRI's privileged give every capability);</item>
/// <item>namespaces: a type absent from <c>linux.namespaces</c> is the host's ("If a namespace type
/// is not specified in the namespaces array, the container MUST inherit the runtime namespace of
/// that type"), and so is one joined at <c>/proc/1/ns/...</c>;</item>
/// <item>bind mounts' sources, seccomp absent, AppArmor unconfined, the process's uid.</item>
/// </list>
/// A spec without a <c>linux</c> object says nothing of namespaces: nothing is claimed.
/// </summary>
internal static class OciSpecDocument
{
    /// <summary>containerd's pkg/oci defaultUnixCaps (and the CRI plugin's default).</summary>
    private static readonly HashSet<string> DefaultCaps = new(StringComparer.Ordinal)
    {
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    };

    private static readonly string[] PrivilegedOnly = ["CAP_SYS_ADMIN", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_BOOT", "CAP_SYS_TIME", "CAP_MAC_ADMIN"];

    /// <summary>Bind sources an engine makes itself (its state folders, the kubelet's volumes, the name files ctr and CRI bind read-only): not the user's host mounts.</summary>
    private static readonly string[] EngineOwned = ["/var/lib/containerd/", "/run/containerd/", "/var/lib/kubelet/pods/", "/var/lib/docker/containers/", "/var/lib/rancher/"];

    private static readonly string[] NameFiles = ["/etc/hosts", "/etc/resolv.conf", "/etc/hostname"];

    public static void FromSpec(JsonElement root, ContainerSummary c)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (Obj(root, "process") is { } process)
        {
            if (Obj(process, "user") is { } user && user.TryGetProperty("uid", out var uid) && uid.ValueKind == JsonValueKind.Number)
            {
                c.User ??= uid.GetRawText();
            }
            if (Obj(process, "capabilities") is { } caps)
            {
                var bounding = Strings(caps, "bounding");
                if (PrivilegedOnly.All(bounding.Contains))
                {
                    c.Privileged = true;
                }
                foreach (var cap in bounding.Where(x => !DefaultCaps.Contains(x)))
                {
                    if (!c.CapAdd.Contains(cap, StringComparer.Ordinal))
                    {
                        c.CapAdd.Add(cap);
                    }
                }
            }
            c.AppArmorOff |= Str(process, "apparmorProfile") == "unconfined";
        }
        if (Obj(root, "linux") is { } linux)
        {
            if (linux.TryGetProperty("namespaces", out var namespaces) && namespaces.ValueKind == JsonValueKind.Array)
            {
                var own = new HashSet<string>(StringComparer.Ordinal);
                foreach (var ns in namespaces.EnumerateArray())
                {
                    if (Str(ns, "type") is { } type && !(Str(ns, "path") is { } path && path.StartsWith("/proc/1/ns/", StringComparison.Ordinal)))
                    {
                        own.Add(type);
                    }
                }
                c.HostPid = !own.Contains("pid");
                c.HostNetwork = !own.Contains("network");
                c.HostIpc = !own.Contains("ipc");
            }
            c.SeccompAbsent = !linux.TryGetProperty("seccomp", out var seccomp) || seccomp.ValueKind != JsonValueKind.Object;
        }
        if (root.TryGetProperty("mounts", out var mounts) && mounts.ValueKind == JsonValueKind.Array)
        {
            foreach (var m in mounts.EnumerateArray())
            {
                var options = Strings(m, "options");
                if (Str(m, "source") is not { } source || !(Str(m, "type") == "bind" || options.Contains("bind") || options.Contains("rbind")))
                {
                    continue;
                }
                bool engineOwned = EngineOwned.Any(p => source.StartsWith(p, StringComparison.Ordinal))
                    || (NameFiles.Contains(source, StringComparer.Ordinal) && options.Contains("ro"));
                if (!engineOwned && !c.HostMounts.Contains(source, StringComparer.Ordinal))
                {
                    c.HostMounts.Add(source);
                }
            }
        }
    }
}
