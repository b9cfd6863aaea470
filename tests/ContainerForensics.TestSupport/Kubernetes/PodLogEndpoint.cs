using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// GET .../pods/NAME/log: a container's log as the API server relays it from the kubelet
/// (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#read-log-of-the-specified-pod).
/// Container choice and its errors follow pkg/registry/core/pod/strategy.go (LogLocation); the
/// "previous"/"waiting" errors and the line format follow the kubelet (pkg/kubelet/kubelet_pods.go,
/// pkg/kubelet/kuberuntime/logs: timestamps are RFC 3339 with exactly nine fractional digits;
/// tailLines is applied before sinceTime; limitBytes cuts the output, prefixes included).
/// The body is text/plain sent in several writes, so a client has to stream it.
/// </summary>
internal static class PodLogEndpoint
{
    /// <summary>Bytes per write after the first line (which goes alone, so any log of two lines or more arrives in pieces).</summary>
    private const int PieceBytes = 8192;

    public static async Task ReadAsync(HttpContext ctx, StandInCluster cluster, ApiResource pods, string ns, string name, TimeProvider clock)
    {
        var pod = cluster.Get(pods, ns, name);
        if (pod is null)
        {
            await KubeStatus.NotFound(pods, name).WriteAsync(ctx);
            return;
        }
        var q = ctx.Request.Query;
        LogOptions options;
        try
        {
            options = LogOptions.Parse(q, clock.GetUtcNow());
        }
        catch (FormatException e)
        {
            await KubeStatus.BadRequest(e.Message).WriteAsync(ctx);
            return;
        }
        if (options.Invalid is { } causes)
        {
            await KubeStatus.Invalid("PodLogOptions", name, causes).WriteAsync(ctx);
            return;
        }

        var spec = pod.Root.GetProperty("spec");
        var containers = Names(spec, "containers");
        var init = Names(spec, "initContainers");
        var ephemeral = Names(spec, "ephemeralContainers");
        string? container = options.Container;
        if (string.IsNullOrEmpty(container))
        {
            if (containers.Count != 1)
            {
                string message = containers.Count == 0
                    ? $"a container name must be specified for pod {name}"
                    : $"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]"
                        + (init.Count > 0 ? $" or one of the init containers: [{string.Join(' ', init)}]" : "");
                await KubeStatus.BadRequest(message).WriteAsync(ctx);
                return;
            }
            container = containers[0];
        }
        else if (!containers.Contains(container) && !init.Contains(container) && !ephemeral.Contains(container))
        {
            await KubeStatus.BadRequest($"container {container} is not valid for pod {name}").WriteAsync(ctx);
            return;
        }

        var status = ContainerStatus(pod.Root, container);
        bool terminatedBefore = status is { } st && st.TryGetProperty("lastState", out var last) && last.TryGetProperty("terminated", out _);
        var lines = cluster.Log(ns, name, container, options.Previous);
        if (lines is null && options.Previous && !terminatedBefore)
        {
            await KubeStatus.BadRequest($"previous terminated container \"{container}\" in pod \"{name}\" not found").WriteAsync(ctx);
            return;
        }
        if (lines is null && !options.Previous && !terminatedBefore && WaitingReason(status) is { } waiting)
        {
            await KubeStatus.BadRequest($"container \"{container}\" in pod \"{name}\" is waiting to start: {waiting}").WriteAsync(ctx);
            return;
        }
        await WriteAsync(ctx, Select(lines ?? [], options), options.LimitBytes);
    }

    private static IEnumerable<string> Select(IReadOnlyList<LogLine> lines, LogOptions o)
    {
        IEnumerable<LogLine> chosen = o.TailLines is { } tail ? lines.Skip(Math.Max(0, lines.Count - (int)Math.Min(tail, int.MaxValue))) : lines;
        if (o.Since is { } since)
        {
            chosen = chosen.Where(l => l.Time >= since);
        }
        return chosen.Select(l => (o.Timestamps ? Timestamp(l.Time) + " " : "") + l.Text + "\n");
    }

    /// <summary>The kubelet's timeFormatOut, "2006-01-02T15:04:05.000000000Z07:00": always nine digits, UTC as Z.</summary>
    internal static string Timestamp(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture) + "00Z";

    private static async Task WriteAsync(HttpContext ctx, IEnumerable<string> lines, long? limitBytes)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "text/plain";
        var body = ctx.Response.Body;
        long left = limitBytes ?? long.MaxValue;
        var piece = new MemoryStream();
        bool first = true;
        foreach (var line in lines)
        {
            if (left <= 0)
            {
                break;
            }
            byte[] bytes = Encoding.UTF8.GetBytes(line);
            int take = (int)Math.Min(bytes.Length, left);
            piece.Write(bytes, 0, take);
            left -= take;
            if (first || piece.Length >= PieceBytes)
            {
                await FlushPieceAsync(ctx, body, piece);
                first = false;
            }
        }
        await FlushPieceAsync(ctx, body, piece);
    }

    private static async Task FlushPieceAsync(HttpContext ctx, Stream body, MemoryStream piece)
    {
        if (piece.Length == 0)
        {
            return;
        }
        await body.WriteAsync(piece.GetBuffer().AsMemory(0, (int)piece.Length), ctx.RequestAborted);
        await body.FlushAsync(ctx.RequestAborted);
        piece.SetLength(0);
    }

    private static List<string> Names(JsonElement spec, string property) =>
        spec.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array
            ? [.. list.EnumerateArray().Select(c => c.TryGetProperty("name", out var n) ? n.GetString() ?? "" : "")]
            : [];

    private static JsonElement? ContainerStatus(JsonElement pod, string container)
    {
        if (!pod.TryGetProperty("status", out var status))
        {
            return null;
        }
        foreach (var property in new[] { "containerStatuses", "initContainerStatuses", "ephemeralContainerStatuses" })
        {
            if (status.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array)
            {
                foreach (var s in list.EnumerateArray())
                {
                    if (s.TryGetProperty("name", out var n) && n.GetString() == container)
                    {
                        return s;
                    }
                }
            }
        }
        return null;
    }

    private static string? WaitingReason(JsonElement? status) =>
        status is { } s && s.TryGetProperty("state", out var state) && state.TryGetProperty("waiting", out var waiting)
            ? waiting.TryGetProperty("reason", out var r) ? r.GetString() ?? "" : ""
            : null;

    /// <summary>PodLogOptions from the query (https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/pod-v1/#read-log-of-the-specified-pod).</summary>
    private sealed record LogOptions(string? Container, bool Previous, bool Timestamps, long? LimitBytes, long? TailLines, DateTimeOffset? Since, string? Invalid)
    {
        public static LogOptions Parse(IQueryCollection q, DateTimeOffset now)
        {
            long? limitBytes = Long(q["limitBytes"]);
            long? tailLines = Long(q["tailLines"]);
            long? sinceSeconds = Long(q["sinceSeconds"]);
            DateTimeOffset? sinceTime = q["sinceTime"].ToString() is { Length: > 0 } t
                ? DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
                    ? parsed : throw new FormatException($"parsing time \"{t}\" as \"2006-01-02T15:04:05Z07:00\": cannot parse")
                : null;
            // pkg/apis/core/validation ValidatePodLogOptions: these make a 422 Invalid.
            var causes = new List<string>();
            if (tailLines < 0)
            {
                causes.Add($"tailLines: Invalid value: {tailLines}: must be greater than or equal to 0");
            }
            if (limitBytes < 1)
            {
                causes.Add($"limitBytes: Invalid value: {limitBytes}: must be greater than 0");
            }
            if (sinceSeconds is not null && sinceTime is not null)
            {
                causes.Add("[]: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified");
            }
            else if (sinceSeconds < 1)
            {
                causes.Add($"sinceSeconds: Invalid value: {sinceSeconds}: must be greater than 0");
            }
            DateTimeOffset? since = sinceTime ?? (sinceSeconds is { } s ? now.AddSeconds(-s) : null);
            return new LogOptions(q["container"], ObjectEndpoints.IsTrue(q["previous"]), ObjectEndpoints.IsTrue(q["timestamps"]),
                limitBytes, tailLines, since, causes.Count == 0 ? null : causes.Count == 1 ? causes[0] : "[" + string.Join(", ", causes) + "]");
        }

        private static long? Long(string? text) =>
            string.IsNullOrEmpty(text) ? null
            : long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n) ? n
            : throw new FormatException($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
    }
}
