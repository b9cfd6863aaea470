using System.Globalization;
using System.Net;

namespace ContainerForensics.Docker.Api;

/// <summary>The daemon answered with an error status; the status and the daemon's own message are kept.</summary>
public class DockerApiException : DockerException
{
    public DockerApiException(string endpoint, string call, HttpStatusCode statusCode, string? daemonMessage, string? responseBody)
        : base(endpoint, call, Describe(statusCode, daemonMessage), null)
    {
        StatusCode = statusCode;
        DaemonMessage = daemonMessage;
        ResponseBody = responseBody;
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The <c>message</c> of the daemon's JSON error body, else its text; null when empty.</summary>
    public string? DaemonMessage { get; }

    /// <summary>The error body as received (cut at a few KiB), for the record.</summary>
    public string? ResponseBody { get; }

    private static string Describe(HttpStatusCode status, string? message) =>
        $"HTTP {((int)status).ToString(CultureInfo.InvariantCulture)} {status}" + (string.IsNullOrEmpty(message) ? "" : ": " + message);
}
