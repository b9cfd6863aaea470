namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// A call that ended with a non-OK status: the daemon's status code and message, and the method
/// that failed. Transport and protocol failures are reported the way gRPC clients do
/// (Unavailable for a socket that does not answer, Internal for a malformed response).
/// </summary>
public sealed class GrpcCallException : Exception
{
    public GrpcCallException(string method, GrpcStatusCode statusCode, string statusMessage, Exception? inner = null)
        : base(statusMessage.Length == 0 ? $"{method}: {statusCode}" : $"{method}: {statusCode}: {statusMessage}", inner)
    {
        Method = method;
        StatusCode = statusCode;
        StatusMessage = statusMessage;
    }

    /// <summary>The full method path, e.g. <c>/containerd.services.tasks.v1.Tasks/Get</c>.</summary>
    public string Method { get; }

    public GrpcStatusCode StatusCode { get; }

    /// <summary>The server's <c>grpc-message</c>, decoded; or what went wrong on our side.</summary>
    public string StatusMessage { get; }
}
