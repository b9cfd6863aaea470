using System.Text.Json;
using static ContainerForensics.Report.Triage.JsonValues;

namespace ContainerForensics.Report.Triage;

/// <summary>
/// Fills a <see cref="ContainerSummary"/> from a Kubernetes pod's documents: the pod object
/// (<c>pod.json</c>, the server's bytes: https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/)
/// and cfir's <c>rbac/grants.json</c> (docs/evidence-format.md, "A pod's context"). The pod's
/// spec gives the privileges the report shows for a Docker container's inspect: privileged
/// containers, added capabilities, host PID/network/IPC, hostPath volumes, seccomp Unconfined,
/// the user when the spec names one.
/// </summary>
internal static class PodDocuments
{
    public static void FromPod(JsonElement root, ContainerSummary c, KubernetesPod pod)
    {
        if (Obj(root, "metadata") is { } meta)
        {
            c.Name = Str(meta, "name") ?? c.Name;
            c.Id = Str(meta, "uid") ?? c.Id;
        }
        if (Obj(root, "status") is { } status)
        {
            c.State = Str(status, "phase");
            c.StartedAt = Str(status, "startTime");
        }
        if (Obj(root, "spec") is not { } spec)
        {
            return;
        }
        pod.ServiceAccount = Str(spec, "serviceAccountName") ?? "default";
        c.HostPid = True(spec, "hostPID");
        c.HostNetwork = True(spec, "hostNetwork");
        c.HostIpc = True(spec, "hostIPC");
        long? podUser = Obj(spec, "securityContext") is { } podContext ? Num(podContext, "runAsUser") : null;
        bool podSeccompOff = Obj(spec, "securityContext") is { } psc && Unconfined(psc);
        var images = new List<string>();
        var users = new List<long?>();
        foreach (var container in Items(spec, "initContainers").Concat(Items(spec, "containers")).Concat(Items(spec, "ephemeralContainers")))
        {
            if (Str(container, "image") is { } image && !images.Contains(image, StringComparer.Ordinal))
            {
                images.Add(image);
            }
            var context = Obj(container, "securityContext");
            c.Privileged |= context is { } p && True(p, "privileged");
            if (context is { } sc && Obj(sc, "capabilities") is { } caps && caps.TryGetProperty("add", out var add) && add.ValueKind == JsonValueKind.Array)
            {
                foreach (var cap in add.EnumerateArray())
                {
                    if (cap.ValueKind == JsonValueKind.String && !c.CapAdd.Contains(cap.GetString()!, StringComparer.Ordinal))
                    {
                        c.CapAdd.Add(cap.GetString()!);
                    }
                }
            }
            c.SeccompOff |= context is { } s ? Unconfined(s) || (podSeccompOff && Obj(s, "seccompProfile") is null) : podSeccompOff;
            users.Add((context is { } u ? Num(u, "runAsUser") : null) ?? podUser);
        }
        c.Image = images.Count > 0 ? string.Join(", ", images) : c.Image;
        // The image's own user is not in the pod: only a spec that names a user for every container says who runs.
        if (users.Count > 0 && users.TrueForAll(u => u is not null))
        {
            c.User = users.Exists(u => u == 0) ? "0" : users[0]!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        else
        {
            c.UserUnknown = !users.Exists(u => u == 0);
            c.User = users.Exists(u => u == 0) ? "0" : null;
        }
        foreach (var volume in Items(spec, "volumes"))
        {
            string name = Str(volume, "name") ?? "?";
            if (Obj(volume, "hostPath") is { } hostPath && Str(hostPath, "path") is { } path)
            {
                pod.HostPaths.Add(new HostPathVolume(name, path));
                if (!c.HostMounts.Contains(path, StringComparer.Ordinal))
                {
                    c.HostMounts.Add(path);
                }
            }
            if (Obj(volume, "secret") is { } secret && Str(secret, "secretName") is { } secretName)
            {
                pod.Secrets.Add(new SecretVolume(name, secretName));
            }
            if (Obj(volume, "projected") is { } projected)
            {
                foreach (var source in Items(projected, "sources"))
                {
                    if (Obj(source, "secret") is { } s && Str(s, "name") is { } projectedName)
                    {
                        pod.Secrets.Add(new SecretVolume(name, projectedName));
                    }
                }
            }
        }
    }

    /// <summary>The grants of cluster-admin (by name, or a role whose rules allow every verb on every resource of every group).</summary>
    /// <param name="metadataFolder">The pod's <c>.../api/metadata/</c> folder: grants.json's entries are relative to it.</param>
    public static void FromGrants(JsonElement root, KubernetesPod pod, string metadataFolder)
    {
        foreach (var grant in Items(root, "grants"))
        {
            var binding = Obj(grant, "binding");
            var role = Obj(grant, "role");
            if (binding is null || role is null)
            {
                continue;
            }
            string roleName = Str(role.Value, "name") ?? "?";
            string? why = Str(role.Value, "kind") == "ClusterRole" && roleName == "cluster-admin" ? "the ClusterRole cluster-admin"
                : Items(role.Value, "rules").Any(Everything) ? $"{Str(role.Value, "kind")} {roleName} allows every verb on every resource" : null;
            if (why is null)
            {
                continue;
            }
            pod.ClusterAdmin.Add(new AdminGrant(
                $"{Str(binding.Value, "kind")} {Str(binding.Value, "name")}",
                Str(grant, "scope") ?? "?",
                roleName,
                why,
                Str(binding.Value, "entry") is { } b ? metadataFolder + b : null,
                Str(role.Value, "entry") is { } r ? metadataFolder + r : null));
        }
    }

    private static bool Everything(JsonElement rule) =>
        Has(rule, "verbs") && Has(rule, "resources") && Has(rule, "apiGroups");

    private static bool Has(JsonElement rule, string field) =>
        rule.TryGetProperty(field, out var list) && list.ValueKind == JsonValueKind.Array
        && list.EnumerateArray().Any(v => v.ValueKind == JsonValueKind.String && v.GetString() == "*");

    private static bool Unconfined(JsonElement securityContext) =>
        Obj(securityContext, "seccompProfile") is { } profile && Str(profile, "type") == "Unconfined";

    private static IEnumerable<JsonElement> Items(JsonElement e, string name) =>
        e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Array
            ? v.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object) : [];
}
