using System.Net.Sockets;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Engine;

/// <summary>
/// A unix socket in front of a real engine's socket that passes every connection through and
/// cuts one (closes both sides) once the engine has sent it more than <c>cutAfter</c> bytes: a
/// daemon that goes away in the middle of a long answer, with the real engine's bytes before it.
/// </summary>
internal sealed class CuttingProxy : IAsyncDisposable
{
    private readonly Socket _listener = new(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
    private readonly string _engineSocket;
    private readonly long _cutAfter;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;

    public CuttingProxy(string engineSocket, long cutAfter)
    {
        _engineSocket = engineSocket;
        _cutAfter = cutAfter;
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"cfir-cut-{Guid.NewGuid():N}.sock");
        _listener.Bind(new UnixDomainSocketEndPoint(Path));
        _listener.Listen();
        _accepting = AcceptAsync();
    }

    public string Path { get; }

    public string Endpoint => "unix://" + Path;

    /// <summary>Connections cut so far.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    private int _cuts;

    private Task AcceptAsync() => AcceptLoop.RunAsync(_listener, client => _ = RelayAsync(client), _stop.Token);

    private async Task RelayAsync(Socket client)
    {
        using var engine = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        using (client)
        {
            await engine.ConnectAsync(new UnixDomainSocketEndPoint(_engineSocket));
            var up = PumpAsync(client, engine, long.MaxValue);
            var down = PumpAsync(engine, client, _cutAfter);
            await Task.WhenAny(up, down);
            if (down.IsCompletedSuccessfully && down.Result)
            {
                Interlocked.Increment(ref _cuts);
            }
            client.Close();
            engine.Close();
        }
    }

    /// <summary>Copies until either side ends; true when it stopped because the limit was passed.</summary>
    private static async Task<bool> PumpAsync(Socket from, Socket to, long limit)
    {
        var buffer = new byte[16 * 1024];
        long sent = 0;
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, SocketFlags.None);
                if (n == 0)
                {
                    return false;
                }
                int allowed = (int)Math.Min(n, limit - sent);
                await to.SendAsync(buffer.AsMemory(0, allowed), SocketFlags.None);
                sent += allowed;
                if (allowed < n || sent >= limit)
                {
                    return true;
                }
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        File.Delete(Path);
        _stop.Dispose();
    }
}
