using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// GET of one object and of a collection (https://kubernetes.io/docs/reference/using-api/api-concepts/):
/// objects go out as their stored bytes; lists are the stored bytes spliced into
/// {"kind":"PodList","apiVersion":"v1","metadata":{...},"items":[...]}, paged by limit/continue
/// and filtered by labelSelector/fieldSelector; with watch=1, the changes (<see cref="WatchEndpoint"/>).
/// </summary>
/// <remarks>
/// One difference from a real server, on purpose: a real list of a built-in kind leaves kind and
/// apiVersion out of each item, while here items are byte-exact what the fixture gave (which has
/// them). A client must cope with both. Table and PartialObjectMetadata are never served: a
/// request accepting application/json gets the full objects, which kubectl prints itself.
/// </remarks>
internal static class ObjectEndpoints
{
    private static readonly byte[] Comma = ","u8.ToArray();
    private static readonly byte[] ListEnd = "]}"u8.ToArray();

    public static async Task GetAsync(HttpContext ctx, StandInCluster cluster, ApiResource resource, string ns, string name)
    {
        var obj = cluster.Get(resource, ns, name);
        if (obj is null)
        {
            await KubeStatus.NotFound(resource, name).WriteAsync(ctx);
            return;
        }
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(obj.Bytes, ctx.RequestAborted);
    }

    public static async Task ListAsync(HttpContext ctx, StandInCluster cluster, ApiResource resource, string? ns)
    {
        var query = ctx.Request.Query;
        LabelSelector labels;
        FieldSelector fields;
        ContinueToken? from = null;
        int limit;
        try
        {
            labels = LabelSelector.Parse(query["labelSelector"]);
            fields = FieldSelector.Parse(query["fieldSelector"], resource);
            limit = ParseLimit(query["limit"]);
            if (query["continue"].ToString() is { Length: > 0 } token)
            {
                from = ContinueToken.Parse(token, resource.Namespaced);
            }
        }
        catch (FormatException e)
        {
            await KubeStatus.BadRequest(e.Message).WriteAsync(ctx);
            return;
        }
        if (IsTrue(query["watch"]))
        {
            await WatchEndpoint.ServeAsync(ctx, cluster, resource, ns, labels, fields);
            return;
        }
        if (from is { } expiring && cluster.Faults.TakeExpiredContinue(resource.Name))
        {
            // The etcd3 store's compaction answer: a 410 whose metadata.continue goes on from the
            // same key at the latest version (rv -1).
            await KubeStatus.Expired((expiring with { ResourceVersion = -1 }).Encode()).WriteAsync(ctx);
            return;
        }

        var (all, currentVersion) = cluster.List(resource, ns);
        bool selecting = query["labelSelector"].ToString().Length > 0 || query["fieldSelector"].ToString().Length > 0;
        var matching = all
            .Where(o => from is not { } f || After(o, f))
            .Where(o => labels.Matches(o.Labels) && fields.Matches(o))
            .ToList();
        var page = limit > 0 ? matching.Take(limit).ToList() : matching;
        int remaining = matching.Count - page.Count;
        // A continued list reports the first page's version (ListMeta.continue), except after an
        // expired token (rv -1), which lists at the latest.
        long version = from is { ResourceVersion: > 0 } continued ? continued.ResourceVersion : currentVersion;
        string? next = remaining > 0 ? new ContinueToken(version, page[^1].Namespace, page[^1].Name).Encode() : null;
        await WriteListAsync(ctx, resource, version, next, remaining > 0 && !selecting ? remaining : null, page);
    }

    private static async Task WriteListAsync(HttpContext ctx, ApiResource resource, long version, string? next, int? remaining, List<StoredObject> items)
    {
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/json";
        var head = new StringBuilder();
        head.Append(CultureInfo.InvariantCulture, $"{{\"kind\":\"{resource.ListKind}\",\"apiVersion\":\"{resource.ApiVersion}\",\"metadata\":{{\"resourceVersion\":\"{version}\"");
        if (next is not null)
        {
            head.Append(CultureInfo.InvariantCulture, $",\"continue\":\"{next}\"");
        }
        if (remaining is { } n)
        {
            head.Append(CultureInfo.InvariantCulture, $",\"remainingItemCount\":{n}");
        }
        head.Append("},\"items\":[");
        var body = ctx.Response.Body;
        await body.WriteAsync(Encoding.UTF8.GetBytes(head.ToString()), ctx.RequestAborted);
        for (int i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                await body.WriteAsync(Comma, ctx.RequestAborted);
            }
            await body.WriteAsync(items[i].Bytes, ctx.RequestAborted);
        }
        await body.WriteAsync(ListEnd, ctx.RequestAborted);
    }

    private static bool After(StoredObject o, ContinueToken from) =>
        (string.CompareOrdinal(o.Namespace, from.Namespace) is var c && c != 0 ? c : string.CompareOrdinal(o.Name, from.Name)) > 0;

    private static int ParseLimit(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }
        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long n)
            ? (int)Math.Clamp(n, 0, int.MaxValue)
            : throw new FormatException($"strconv.ParseInt: parsing \"{text}\": invalid syntax");
    }

    internal static bool IsTrue(string? value) => value is "1" or "t" or "T" or "true" or "TRUE" or "True";
}
