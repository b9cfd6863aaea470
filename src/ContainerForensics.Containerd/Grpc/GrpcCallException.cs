using Grpc.Core;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// A call that ended with a non-OK status: the daemon's status code and message, the method and
/// the socket. Transport and protocol failures are reported the way Grpc.Net.Client reports them
/// (Unavailable for a socket that does not answer, Internal for a malformed response).
/// </summary>
public sealed class GrpcCallException : Exception
{
    public GrpcCallException(string endpoint, string method, StatusCode statusCode, string statusMessage, Exception? inner = null)
        : base(statusMessage.Length == 0 ? $"{method} at {endpoint}: {statusCode}" : $"{method} at {endpoint}: {statusCode}: {statusMessage}", inner)
    {
        Endpoint = endpoint;
        Method = method;
        StatusCode = statusCode;
        StatusMessage = statusMessage;
    }

    /// <summary>The socket path.</summary>
    public string Endpoint { get; }

    /// <summary>The full method path, e.g. <c>/containerd.services.tasks.v1.Tasks/Get</c>.</summary>
    public string Method { get; }

    public StatusCode StatusCode { get; }

    /// <summary>The server's <c>grpc-message</c>, decoded; or what Grpc.Net.Client found wrong on our side.</summary>
    public string StatusMessage { get; }
}
