using System.Globalization;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>A call that got no complete answer within its deadline; the daemon may be hung.</summary>
public sealed class GrpcTimeoutException(string endpoint, string method, TimeSpan timeout, Exception? inner = null)
    : TimeoutException($"{method} at {endpoint}: no answer within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", inner)
{
    /// <summary>The socket path.</summary>
    public string Endpoint { get; } = endpoint;

    public string Method { get; } = method;

    public TimeSpan Timeout { get; } = timeout;
}
