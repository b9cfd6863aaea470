using System.Text.Json;
using ContainerForensics.Core.Host.Mounts;

namespace ContainerForensics.HostEvidence.Mounts;

/// <summary>
/// mounts.json: the container's mount table as its init sees it, decoded from the archived
/// processes/&lt;pid&gt;/mountinfo. The root mount's overlay layers say where the container's
/// writable layer (upperdir) and image layers (lowerdir) are on the host, whatever the runtime.
/// </summary>
internal static class MountsDocument
{
    public static byte[] Build(int pid, string sourceItem, string? sourceSha256, IReadOnlyList<MountEntry> mounts, IReadOnlyList<string> problems) =>
        EvidenceJson.Build(json =>
        {
            json.WriteStartObject();
            json.WriteNumber("pid", pid);
            json.WriteString("source", sourceItem);
            if (sourceSha256 is not null)
            {
                json.WriteString("sourceSha256", sourceSha256);
            }
            var root = mounts.LastOrDefault(m => m.MountPoint.AsSpan().SequenceEqual("/"u8));
            if (root is not null)
            {
                json.WriteStartObject("rootFilesystem");
                json.WriteNumber("mountId", root.MountId);
                EvidenceJson.WriteBytes(json, "fsType", root.FsType);
                EvidenceJson.WriteBytes(json, "source", root.Source);
                if (root.Overlay is { } o)
                {
                    EvidenceJson.WriteBytes(json, "writableLayer", o.UpperDir);
                    WriteOverlay(json, o);
                }
                json.WriteEndObject();
            }
            json.WriteStartArray("mounts");
            foreach (var m in mounts)
            {
                json.WriteStartObject();
                json.WriteNumber("mountId", m.MountId);
                json.WriteNumber("parentId", m.ParentId);
                json.WriteString("device", $"{m.Major}:{m.Minor}");
                EvidenceJson.WriteBytes(json, "root", m.Root);
                EvidenceJson.WriteBytes(json, "mountPoint", m.MountPoint);
                EvidenceJson.WriteBytes(json, "options", m.MountOptions);
                EvidenceJson.WriteByteArray(json, "optionalFields", m.OptionalFields);
                EvidenceJson.WriteBytes(json, "fsType", m.FsType);
                EvidenceJson.WriteBytes(json, "source", m.Source);
                EvidenceJson.WriteBytes(json, "superOptions", m.SuperOptions);
                if (m.Overlay is { } overlay)
                {
                    WriteOverlay(json, overlay);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
            if (problems.Count > 0)
            {
                json.WriteStartArray("problems");
                foreach (var p in problems)
                {
                    json.WriteStringValue(p);
                }
                json.WriteEndArray();
            }
            json.WriteEndObject();
        });

    private static void WriteOverlay(Utf8JsonWriter json, OverlayLayers o)
    {
        EvidenceJson.WriteByteArray(json, "lowerdir", o.LowerDirs);
        if (o.DataOnlyLowerDirs.Count > 0)
        {
            EvidenceJson.WriteByteArray(json, "dataOnlyLowerdir", o.DataOnlyLowerDirs);
        }
        EvidenceJson.WriteBytes(json, "upperdir", o.UpperDir);
        EvidenceJson.WriteBytes(json, "workdir", o.WorkDir);
    }
}
