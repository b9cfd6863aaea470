using System.Net;

namespace ContainerForensics.Kubernetes.Api;

/// <summary>
/// The API server answered a call with an error: its status code and, from its <c>Status</c>
/// object (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/), its
/// reason and message, kept as the server said them for the error record.
/// </summary>
public sealed class ApiCallException : Exception
{
    public ApiCallException(string method, string path, HttpStatusCode statusCode, string? reason, string serverMessage)
        : base($"{method} {path}: {(int)statusCode} {reason ?? statusCode.ToString()}: {serverMessage}")
    {
        Method = method;
        Path = path;
        StatusCode = statusCode;
        Reason = reason;
        ServerMessage = serverMessage;
    }

    public string Method { get; }

    public string Path { get; }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status object's reason (NotFound, Forbidden, Expired, TooManyRequests, ...), when it sent one.</summary>
    public string? Reason { get; }

    public string ServerMessage { get; }

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    public bool IsForbidden => StatusCode == HttpStatusCode.Forbidden;

    /// <summary>410 Gone on a list's continue token: the snapshot it continued expired.</summary>
    public bool IsExpired => StatusCode == HttpStatusCode.Gone;
}
