using System.Net.Sockets;

namespace ContainerForensics.TestSupport;

/// <summary>The accept loop of the stand-in servers and proxies: every connection to <paramref name="onClient"/> until stopped.</summary>
public static class AcceptLoop
{
    /// <summary>Accepts until <paramref name="stop"/> is cancelled or the listener fails (closed under it).</summary>
    public static async Task RunAsync(Socket listener, Action<Socket> onClient, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(stop);
            }
            catch (Exception ex) when (stop.IsCancellationRequested || ex is SocketException or ObjectDisposedException)
            {
                return;
            }
            onClient(client);
        }
    }
}
