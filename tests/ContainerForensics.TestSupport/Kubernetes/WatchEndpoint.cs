using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// <c>GET ...?watch=1</c> (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes):
/// a 200 whose chunked body is one JSON object a line, <c>{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}</c>,
/// flushed as each change happens, until <c>timeoutSeconds</c> (the server's own limit when
/// absent) or the client goes. Without <c>resourceVersion</c> (or with "0") the objects that exist
/// come first as ADDED, then what changes; with one, every change after it; with one older than
/// the history kept (<see cref="StandInCluster.Compact"/>) the watch cache's answer: a 200 with one
/// ERROR event carrying a 410 Expired Status ("too old resource version"). BOOKMARK events (at
/// <see cref="StandInCluster.Bookmark"/>) only with <c>allowWatchBookmarks=true</c>, as
/// <c>{"kind":...,"apiVersion":...,"metadata":{"resourceVersion":"N"}}</c>. Label and field
/// selectors filter as for a list.
/// </summary>
/// <remarks>
/// Like a real server's, each event's object carries <c>metadata.resourceVersion</c>, the version
/// of that change, added to the stored bytes when the fixture had none; the list endpoint keeps
/// serving the stored bytes unchanged.
/// </remarks>
internal static class WatchEndpoint
{
    /// <summary>The real server's default --min-request-timeout (1800 s) is longer than any test.</summary>
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromMinutes(30);

    public static async Task ServeAsync(HttpContext ctx, StandInCluster cluster, ApiResource resource, string? ns, LabelSelector labels, FieldSelector fields)
    {
        var query = ctx.Request.Query;
        bool bookmarks = ObjectEndpoints.IsTrue(query["allowWatchBookmarks"]);
        var timeout = long.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds > 0
            ? TimeSpan.FromSeconds(seconds)
            : DefaultTimeout;
        string from = query["resourceVersion"].ToString();
        long after;
        if (from.Length == 0 || from == "0")
        {
            after = -1;
        }
        else if (!long.TryParse(from, NumberStyles.None, CultureInfo.InvariantCulture, out after))
        {
            await KubeStatus.BadRequest($"invalid resource version: {from}").WriteAsync(ctx);
            return;
        }

        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ctx.RequestAborted);
        stop.CancelAfter(timeout);
        var body = ctx.Response.Body;
        try
        {
            // The headers at once, as the real server flushes them before any event: a client waits for them within its call budget.
            await ctx.Response.StartAsync(stop.Token);
            await body.FlushAsync(stop.Token);
            if (after < 0)
            {
                // The state first, as ADDED events, then the changes after the version it was read at.
                var (items, version) = cluster.List(resource, ns);
                foreach (var o in items.Where(o => labels.Matches(o.Labels) && fields.Matches(o)))
                {
                    await WriteAsync(body, Line("ADDED", o, o.NumericResourceVersion ?? version), stop.Token);
                }
                after = version;
            }
            while (!stop.IsCancellationRequested)
            {
                var (events, version, changed) = cluster.Changes(after);
                if (events is null)
                {
                    await WriteAsync(body, Expired(after, version), stop.Token);
                    return;
                }
                foreach (var e in events)
                {
                    after = e.ResourceVersion;
                    if (e.Object is null)
                    {
                        if (bookmarks)
                        {
                            await WriteAsync(body, Bookmark(resource, e.ResourceVersion), stop.Token);
                        }
                        continue;
                    }
                    if (e.Object.Resource.Name != resource.Name || e.Object.Resource.Group != resource.Group
                        || ns is not null && e.Object.Namespace != ns || !labels.Matches(e.Object.Labels) || !fields.Matches(e.Object))
                    {
                        continue;
                    }
                    await WriteAsync(body, Line(e.Type, e.Object, e.ResourceVersion), stop.Token);
                }
                await changed.WaitAsync(stop.Token);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // timeoutSeconds reached, or the client went away: the watch ends, as the server ends it.
        }
    }

    private static byte[] Line(string type, StoredObject o, long version)
    {
        var node = JsonNode.Parse(o.Bytes)!.AsObject();
        var meta = node["metadata"] as JsonObject ?? [];
        node["metadata"] = meta;
        meta["resourceVersion"] ??= version.ToString(CultureInfo.InvariantCulture);
        return Encoding.UTF8.GetBytes(new JsonObject { ["type"] = type, ["object"] = node }.ToJsonString() + "\n");
    }

    private static byte[] Bookmark(ApiResource resource, long version) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["type"] = "BOOKMARK",
        ["object"] = new JsonObject
        {
            ["kind"] = resource.Kind,
            ["apiVersion"] = resource.ApiVersion,
            ["metadata"] = new JsonObject { ["resourceVersion"] = version.ToString(CultureInfo.InvariantCulture) },
        },
    }.ToJsonString() + "\n");

    /// <summary>The watch cache's words for a version older than its window (k8s.io/apiserver storage/cacher: errors.NewResourceExpired).</summary>
    private static byte[] Expired(long asked, long oldest) => Encoding.UTF8.GetBytes(new JsonObject
    {
        ["type"] = "ERROR",
        ["object"] = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = string.Create(CultureInfo.InvariantCulture, $"too old resource version: {asked} ({oldest})"),
            ["reason"] = "Expired",
            ["code"] = 410,
        },
    }.ToJsonString() + "\n");

    private static async Task WriteAsync(Stream body, byte[] line, CancellationToken cancellationToken)
    {
        await body.WriteAsync(line, cancellationToken);
        await body.FlushAsync(cancellationToken);
    }
}
