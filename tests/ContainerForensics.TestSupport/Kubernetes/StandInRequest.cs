using Microsoft.AspNetCore.WebUtilities;

namespace ContainerForensics.TestSupport.Kubernetes;

/// <summary>One request the stand-in received, recorded on arrival; its status is filled in when it is answered.</summary>
public sealed class StandInRequest
{
    private int _statusCode;

    internal StandInRequest(string method, string path, string queryString, string? user, string protocol, string? accept, DateTimeOffset time)
    {
        Method = method;
        Path = path;
        QueryString = queryString;
        User = user;
        Protocol = protocol;
        Accept = accept;
        Time = time;
    }

    public string Method { get; }

    /// <summary>The URL path, e.g. "/api/v1/namespaces/ns/pods".</summary>
    public string Path { get; }

    /// <summary>The raw query without its '?', e.g. "limit=2&amp;continue=..." ("" when none).</summary>
    public string QueryString { get; }

    /// <summary>The authenticated user's name; null when the request was not authenticated (and answered 401).</summary>
    public string? User { get; }

    /// <summary>"HTTP/1.1" or "HTTP/2".</summary>
    public string Protocol { get; }

    /// <summary>The Accept header as sent (aggregated discovery and Table requests show here).</summary>
    public string? Accept { get; }

    public DateTimeOffset Time { get; }

    /// <summary>The status answered; 0 while unanswered, and for good when the request hung or was aborted.</summary>
    public int StatusCode
    {
        get => Volatile.Read(ref _statusCode);
        internal set => Volatile.Write(ref _statusCode, value);
    }

    /// <summary>One query parameter's (first) value, decoded, or null.</summary>
    public string? Query(string name) =>
        QueryHelpers.ParseQuery(QueryString).TryGetValue(name, out var v) && v.Count > 0 ? v[0] : null;

    public override string ToString() => $"{Method} {Path}{(QueryString.Length > 0 ? "?" + QueryString : "")} -> {StatusCode} ({User ?? "anonymous"}, {Protocol})";
}
