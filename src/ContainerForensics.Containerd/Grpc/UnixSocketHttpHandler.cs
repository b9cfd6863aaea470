using System.Net.Sockets;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// The one place that knows sockets: an HTTP handler whose every connection goes to a unix
/// socket. The URI's host is only a label then; HTTP/2 runs in cleartext over the socket with
/// prior knowledge (no upgrade), which is what a gRPC server on a unix socket speaks.
/// </summary>
public static class UnixSocketHttpHandler
{
    public static SocketsHttpHandler Create(string socketPath) => new()
    {
        ConnectCallback = (_, cancellationToken) => ConnectAsync(socketPath, cancellationToken),
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = System.Net.DecompressionMethods.None,
        // One daemon, one connection; HTTP/2 multiplexes concurrent calls over it.
        EnableMultipleHttp2Connections = false,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    };

    public static async ValueTask<Stream> ConnectAsync(string socketPath, CancellationToken cancellationToken)
    {
        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            await socket.ConnectAsync(new UnixDomainSocketEndPoint(socketPath), cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
