using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// The two virtual resources a client asks "who am I, what may I do" with. Both are created by
/// POST and answered 201 with the object the server built, as the real REST storage does
/// (pkg/registry/authentication/selfsubjectreview, pkg/registry/authorization/selfsubjectrulesreview).
/// </summary>
internal static class ReviewEndpoints
{
    /// <summary>https://kubernetes.io/docs/reference/kubernetes-api/authentication-resources/self-subject-review-v1/</summary>
    public static async Task SelfSubjectReviewAsync(HttpContext ctx, StandInUser user, string apiVersion, DateTimeOffset now)
    {
        if (await ReadNamespaceAsync(ctx, "SelfSubjectReview") is null)
        {
            return;
        }
        await WriteCreatedAsync(ctx, DiscoveryDocuments.Json(w =>
        {
            w.WriteString("kind", "SelfSubjectReview");
            w.WriteString("apiVersion", apiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("creationTimestamp", now.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteStartObject("status");
            w.WriteStartObject("userInfo");
            w.WriteString("username", user.Username);
            if (!string.IsNullOrEmpty(user.Uid))
            {
                w.WriteString("uid", user.Uid);
            }
            w.WriteStartArray("groups");
            foreach (var g in user.Groups)
            {
                w.WriteStringValue(g);
            }
            w.WriteEndArray();
            if (user.Extra is { Count: > 0 } extra)
            {
                w.WriteStartObject("extra");
                foreach (var (key, values) in extra)
                {
                    w.WriteStartArray(key);
                    foreach (var v in values)
                    {
                        w.WriteStringValue(v);
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
        }));
    }

    /// <summary>
    /// https://kubernetes.io/docs/reference/kubernetes-api/authorization-resources/self-subject-rules-review-v1/ :
    /// the status the cluster holds for spec.namespace. The real storage returns a new object
    /// with an empty spec and a null creationTimestamp, so this does too.
    /// </summary>
    public static async Task SelfSubjectRulesReviewAsync(HttpContext ctx, StandInCluster cluster)
    {
        if (await ReadNamespaceAsync(ctx, "SelfSubjectRulesReview") is not { } ns)
        {
            return;
        }
        using var status = JsonDocument.Parse(cluster.RulesFor(ns));
        await WriteCreatedAsync(ctx, DiscoveryDocuments.Json(w =>
        {
            w.WriteString("kind", "SelfSubjectRulesReview");
            w.WriteString("apiVersion", "authorization.k8s.io/v1");
            w.WriteStartObject("metadata");
            w.WriteNull("creationTimestamp");
            w.WriteEndObject();
            w.WriteStartObject("spec");
            w.WriteEndObject();
            w.WritePropertyName("status");
            status.RootElement.WriteTo(w);
        }));
    }

    /// <summary>
    /// The review's spec.namespace ("" when absent) from a JSON or protobuf body (kubectl sends
    /// protobuf), or null after answering 400 as the real decoder does.
    /// </summary>
    private static async Task<string?> ReadNamespaceAsync(HttpContext ctx, string kind)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        try
        {
            if (KubernetesProtobuf.IsProtobuf(ctx.Request.ContentType))
            {
                // SelfSubjectRulesReview: spec = 2, spec.namespace = 1.
                return KubernetesProtobuf.ReadString(KubernetesProtobuf.Unwrap(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)), 2, 1) ?? "";
            }
            using var doc = JsonDocument.Parse(buffer.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new FormatException($"{kind}: expected a JSON object");
            }
            return root.TryGetProperty("spec", out var spec) && spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty("namespace", out var n)
                ? n.GetString() ?? "" : "";
        }
        catch (Exception e) when (e is JsonException or FormatException)
        {
            await KubeStatus.BadRequest($"the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf ({kind}: {e.Message})").WriteAsync(ctx);
            return null;
        }
    }

    private static async Task WriteCreatedAsync(HttpContext ctx, byte[] json)
    {
        ctx.Response.StatusCode = 201;
        ctx.Response.ContentType = "application/json";
        await ctx.Response.Body.WriteAsync(json, ctx.RequestAborted);
    }
}
