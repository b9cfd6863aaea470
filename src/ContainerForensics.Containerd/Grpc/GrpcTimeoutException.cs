namespace ContainerForensics.Containerd.Grpc;

/// <summary>A call that got no complete answer within its deadline; the daemon may be hung.</summary>
public sealed class GrpcTimeoutException(string method, TimeSpan timeout, Exception? inner = null)
    : TimeoutException($"{method}: no answer within {timeout.TotalSeconds:0.###} s", inner)
{
    public string Method { get; } = method;

    public TimeSpan Timeout { get; } = timeout;
}
