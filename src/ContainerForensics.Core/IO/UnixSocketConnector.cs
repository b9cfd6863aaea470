using System.Net.Sockets;

namespace ContainerForensics.Core.IO;

/// <summary>
/// Connects a stream to a unix socket, for <see cref="SocketsHttpHandler.ConnectCallback"/>: how
/// the Docker and containerd handlers reach a daemon's socket (the URI's host is a label then).
/// </summary>
public static class UnixSocketConnector
{
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
