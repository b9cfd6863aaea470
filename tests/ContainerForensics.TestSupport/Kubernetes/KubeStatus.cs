using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>
/// An error answer: a meta/v1 Status object (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/)
/// with the message shapes of k8s.io/apimachinery/pkg/api/errors (NewNotFound, NewForbidden,
/// NewResourceExpired, NewTooManyRequests, NewBadRequest) and the authorizer's Forbidden text
/// (k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go).
/// </summary>
internal sealed record KubeStatus(int Code, string Reason, string Message)
{
    /// <summary>details.name; details is written only when some detail is set, or when <see cref="EmptyDetails"/>.</summary>
    public string? Name { get; init; }

    public string? Group { get; init; }

    /// <summary>details.kind: the resource (plural) for NotFound and Forbidden, as the real errors carry it.</summary>
    public string? Kind { get; init; }

    public int? RetryAfterSeconds { get; init; }

    /// <summary>"details":{} as the real server writes for a path it does not serve.</summary>
    public bool EmptyDetails { get; init; }

    /// <summary>metadata.continue: the inconsistent-continue token a 410 Expired carries.</summary>
    public string? Continue { get; init; }

    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static KubeStatus Unauthorized() => new(401, "Unauthorized", "Unauthorized");

    public static KubeStatus NotFound(ApiResource r, string name) =>
        new(404, "NotFound", $"{r.QualifiedName} \"{name}\" not found") { Name = name, Group = NullIfEmpty(r.Group), Kind = r.Name };

    public static KubeStatus PathNotFound() =>
        new(404, "NotFound", "the server could not find the requested resource") { EmptyDetails = true };

    public static KubeStatus MethodNotAllowed() =>
        new(405, "MethodNotAllowed", "the server does not allow this method on the requested resource") { EmptyDetails = true };

    /// <summary>
    /// What RBAC's denial looks like: "secrets \"s\" is forbidden: User \"u\" cannot get resource
    /// \"secrets\" in API group \"\" in the namespace \"ns\"" (no name for a list; "at the cluster
    /// scope" without a namespace; the subresource joined to the resource in the second part only).
    /// </summary>
    public static KubeStatus Forbidden(ApiResource r, string? name, string user, string verb, string? subresource, string ns)
    {
        string resource = subresource is null ? r.Name : r.Name + "/" + subresource;
        string scope = ns.Length > 0 ? $"in the namespace \"{ns}\"" : "at the cluster scope";
        string reason = $"User \"{user}\" cannot {verb} resource \"{resource}\" in API group \"{r.Group}\" {scope}";
        string message = string.IsNullOrEmpty(name) ? $"{r.QualifiedName} is forbidden: {reason}" : $"{r.QualifiedName} \"{name}\" is forbidden: {reason}";
        return new(403, "Forbidden", message) { Name = NullIfEmpty(name), Group = NullIfEmpty(r.Group), Kind = r.Name };
    }

    /// <summary>The etcd3 store's answer to a continue token past compaction, carrying a token to go on inconsistently.</summary>
    public static KubeStatus Expired(string inconsistentContinue) =>
        new(410, "Expired",
            "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, "
            + "or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an "
            + "inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
        { Continue = inconsistentContinue };

    /// <summary>Priority and fairness rejecting a request (the Retry-After header goes with it).</summary>
    public static KubeStatus TooManyRequests(int retryAfterSeconds) =>
        new(429, "TooManyRequests", "Too many requests, please try again later.") { RetryAfterSeconds = retryAfterSeconds };

    public static KubeStatus BadRequest(string message) => new(400, "BadRequest", message);

    /// <summary>A validation failure (422), e.g. of PodLogOptions: "PodLogOptions \"p\" is invalid: ...".</summary>
    public static KubeStatus Invalid(string kind, string name, string causes) =>
        new(422, "Invalid", $"{kind} \"{name}\" is invalid: {causes}") { Name = name, Kind = kind };

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("kind", "Status");
            w.WriteString("apiVersion", "v1");
            w.WriteStartObject("metadata");
            if (Continue is not null)
            {
                w.WriteString("continue", Continue);
            }
            w.WriteEndObject();
            w.WriteString("status", "Failure");
            w.WriteString("message", Message);
            w.WriteString("reason", Reason);
            if (EmptyDetails || Name is not null || Group is not null || Kind is not null || RetryAfterSeconds is not null)
            {
                w.WriteStartObject("details");
                WriteIfSet(w, "name", Name);
                WriteIfSet(w, "group", Group);
                WriteIfSet(w, "kind", Kind);
                if (RetryAfterSeconds is { } s)
                {
                    w.WriteNumber("retryAfterSeconds", s);
                }
                w.WriteEndObject();
            }
            w.WriteNumber("code", Code);
            w.WriteEndObject();
        }
        return buffer.ToArray();
    }

    public async Task WriteAsync(HttpContext ctx)
    {
        ctx.Response.StatusCode = Code;
        ctx.Response.ContentType = "application/json";
        if (RetryAfterSeconds is { } s)
        {
            ctx.Response.Headers.RetryAfter = s.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        await ctx.Response.Body.WriteAsync(ToJson(), ctx.RequestAborted);
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }

    private static string? NullIfEmpty(string? s) => string.IsNullOrEmpty(s) ? null : s;
}
