using System.Text.Json;
using ContainerForensics.Core.Runtimes;
using static ContainerForensics.Report.Triage.JsonValues;

namespace ContainerForensics.Report.Triage;

/// <summary>
/// A dead-box Podman container's state and privileges, from the records libpod keeps in its
/// database (<c>metadata/libpod-config.json</c> and <c>libpod-state.json</c>, as stored: libpod's
/// ContainerConfig and ContainerState, https://github.com/containers/podman/blob/main/libpod/container_config.go
/// and container.go). No inspect was asked; the config holds what Podman's inspect is made from:
/// <list type="bullet">
/// <item>name, id, image (<c>rootfsImageName</c>), <c>privileged</c>;</item>
/// <item><c>spec</c>, the OCI runtime spec Podman gave the runtime: capabilities, namespaces, bind
/// mounts, the user, AppArmor, read as for a containerd container (<see cref="OciSpecDocument"/>);</item>
/// <item>seccomp: Podman gives every container its default profile unless told not to
/// (<c>--security-opt seccomp=unconfined</c>, <c>--privileged</c>), so a spec without one is
/// seccomp turned off, as Podman's inspect says (<c>SecurityOpt</c>), not containerd's "absent".</item>
/// </list>
/// </summary>
internal static class LibpodDocuments
{
    public static void FromConfig(JsonElement root, ContainerSummary c)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        c.Name = Str(root, "name") ?? c.Name;
        c.Id = Str(root, "id") ?? c.Id;
        c.Image = Str(root, "rootfsImageName") ?? Str(root, "RawImageName") ?? Str(root, "rootfsImageID") ?? c.Image;
        c.Privileged |= True(root, "privileged");
        if (Obj(root, "spec") is { } spec)
        {
            OciSpecDocument.FromSpec(spec, c);
            if (Obj(spec, "linux") is { } linux)
            {
                c.SeccompOff |= !linux.TryGetProperty("seccomp", out var seccomp) || seccomp.ValueKind != JsonValueKind.Object;
                c.SeccompAbsent = false;
            }
        }
    }

    /// <summary>
    /// libpod's ContainerState: <c>state</c> in the words of a live collection's inspect, as the
    /// dead-box listing reads it (<see cref="LibpodStatus"/>), so that a container reads the same
    /// live and dead; the times, unless Go's zero time (never started, never finished).
    /// </summary>
    public static void FromState(JsonElement root, ContainerSummary c)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (root.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.Number && state.TryGetInt32(out int s))
        {
            c.State = LibpodStatus.CompatName(s);
        }
        c.StartedAt = Time(root, "startedTime") ?? c.StartedAt;
        c.FinishedAt = Time(root, "finishedTime") ?? c.FinishedAt;
        if (root.TryGetProperty("exitCode", out var exit) && exit.ValueKind == JsonValueKind.Number)
        {
            c.ExitCode = exit.GetInt64();
        }
    }

    private static string? Time(JsonElement root, string name) =>
        Str(root, name) is { } t && !t.StartsWith("0001-01-01", StringComparison.Ordinal) ? t : null;
}
