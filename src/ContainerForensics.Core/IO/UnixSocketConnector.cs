using System.Net.Sockets;

namespace ContainerForensics.Core.IO;

/// <summary>
/// Connects a stream to a unix socket, for <see cref="SocketsHttpHandler.ConnectCallback"/>: how
/// the Docker and containerd handlers reach a daemon's socket (the URI's host is a label then).
/// </summary>
public static class UnixSocketConnector
{
    /// <summary>
    /// How long one blocking connect or send may wait for a peer that takes nothing: a listener
    /// whose backlog is full (a hung daemon) or that reads nothing. A connect that waits this long
    /// is tried again until <c>cancellationToken</c> ends it.
    /// </summary>
    public static readonly TimeSpan BlockingSlice = TimeSpan.FromSeconds(1);

    /// <summary>An asynchronous socket (.NET's epoll engine), for HTTP/2: containerd's gRPC.</summary>
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

    /// <summary>
    /// A blocking socket read by a thread of its own (<see cref="PumpedSocketStream"/>), for
    /// HTTP/1.1 answers that can be large: Docker's and Podman's. Connected without the epoll
    /// engine, in slices of <see cref="BlockingSlice"/> (a unix connect waits the send timeout
    /// when the listener's backlog is full), so a hung daemon is bounded by the caller's token.
    /// </summary>
    public static async ValueTask<Stream> ConnectPumpedAsync(string socketPath, CancellationToken cancellationToken)
    {
        var endpoint = new UnixDomainSocketEndPoint(socketPath);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            try
            {
                socket.SendTimeout = (int)BlockingSlice.TotalMilliseconds;
                // An out-of-band byte (MSG_OOB, unix sockets since Linux 5.15) is counted by
                // FIONREAD but skipped by recv: inline, the two agree, and the byte is data in order.
                socket.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.OutOfBandInline, true);
                socket.Connect(endpoint);
                return new PumpedSocketStream(socket);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.WouldBlock or SocketError.TimedOut)
            {
                socket.Dispose();
                await Task.Yield(); // the next slice on another turn of the pool
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
    }
}
