using System.Text.Json;

namespace ContainerForensics.Containerd.Offline;

/// <summary>
/// The CRI plugin's checkpoint of a container's status (<c>io.containerd.grpc.v1.cri/containers/&lt;id&gt;/status</c>,
/// containerd 1.x pkg/cri/store/container/status.go): <c>{"Version":"v1","Pid","CreatedAt","StartedAt",
/// "FinishedAt" (Unix nanoseconds),"ExitCode","Reason","Message","Removing","Unknown",...}</c> (the
/// status embedded beside the version; a "Status" object is read too),
/// rewritten by the plugin at each change. It is the only record on disk of whether a CRI container
/// was started and whether it had finished; the state it gives is the state when it was last written.
/// </summary>
internal sealed record CriStatusFile(long CreatedAt, long StartedAt, long FinishedAt, int? ExitCode, bool Unknown)
{
    /// <summary>created (never started), running (started, not finished), exited; unknown when the plugin marked it so.</summary>
    public string State => Unknown ? "unknown" : StartedAt == 0 ? "created" : FinishedAt == 0 ? "running" : "exited";

    public static CriStatusFile? Parse(byte[] json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 64 });
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                return null;
            }
            var s = doc.RootElement.TryGetProperty("Status", out var nested) && nested.ValueKind == JsonValueKind.Object ? nested : doc.RootElement;
            if (!s.TryGetProperty("CreatedAt", out _))
            {
                return null;
            }
            return new CriStatusFile(Long(s, "CreatedAt"), Long(s, "StartedAt"), Long(s, "FinishedAt"),
                s.TryGetProperty("ExitCode", out var e) && e.TryGetInt32(out int code) ? code : null,
                s.TryGetProperty("Unknown", out var u) && u.ValueKind == JsonValueKind.True);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static long Long(JsonElement obj, string name) => obj.TryGetProperty(name, out var v) && v.TryGetInt64(out long n) ? n : 0;
}
