using System.Collections.Concurrent;
using System.Net.Sockets;
using System.Text;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Cli.Tests.Support;

/// <summary>
/// A Docker Engine API endpoint on a unix socket that answers discovery and listing like a
/// Docker daemon (<c>GET /version</c>, <c>/_ping</c>, <c>/info</c>, <c>/containers/json</c> with
/// one container) and never answers anything else: the first per-container call hangs until
/// the client goes away. Given to cfir with <c>--docker-host</c> next to the real engines, it
/// holds a real collection in the middle of its run for as long as a test needs, so that a
/// signal deterministically arrives mid-collection however fast the real engines are.
/// HTTP/1.1 as in https://docs.docker.com/reference/api/engine/version/v1.41/ (keep-alive,
/// Content-Length bodies).
/// <para>
/// Followable (watch mode): <c>GET /events</c> also answers, chunked as dockerd streams it, with
/// one start event of the container and then nothing, and the container's inspect answers (running,
/// no pid), so a watch opens the container's archive and hangs in its first per-container call
/// after that (<c>/top</c> or <c>/stats</c>).
/// </para>
/// </summary>
internal sealed class StallingDockerEndpoint : IAsyncDisposable
{
    private readonly bool _followable;

    public const string ContainerId = "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00";
    public const string ContainerName = "cfir-test-cli-stalling";

    private readonly string _directory;
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _clients = [];
    private readonly TaskCompletionSource<string> _stalled = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Task _acceptLoop;

    public StallingDockerEndpoint(bool followable = false)
    {
        _followable = followable;
        _directory = Directory.CreateTempSubdirectory("cfir-cli-stall-").FullName;
        string path = Path.Combine(_directory, "docker.sock");
        _listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        _listener.Bind(new UnixDomainSocketEndPoint(path));
        _listener.Listen(16);
        Endpoint = "unix://" + path;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public string Endpoint { get; }

    /// <summary>Every request line received ("GET /v1.41/info").</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Completes with the request line of the first call left hanging.</summary>
    public Task<string> Stalled => _stalled.Task;

    private Task AcceptLoopAsync() => AcceptLoop.RunAsync(_listener, client =>
    {
        _clients.Add(client);
        _ = Task.Run(() => ServeAsync(client));
    }, _stop.Token);

    private async Task ServeAsync(Socket client)
    {
        try
        {
            using var stream = new NetworkStream(client, ownsSocket: true);
            var pending = new List<byte>();
            var buffer = new byte[4096];
            while (!_stop.IsCancellationRequested)
            {
                int end;
                while ((end = HeaderEnd(pending)) < 0)
                {
                    int n = await stream.ReadAsync(buffer, _stop.Token);
                    if (n == 0)
                    {
                        return; // the client closed the connection
                    }
                    pending.AddRange(buffer.AsSpan(0, n));
                }
                string head = Encoding.ASCII.GetString([.. pending.Take(end)]);
                pending.RemoveRange(0, end + 4); // GETs only: no body follows the header
                string requestLine = head.Split("\r\n")[0];
                Requests.Enqueue(requestLine);
                string[] parts = requestLine.Split(' ');
                string path = parts.Length > 1 ? parts[1].Split('?')[0] : "";
                if (_followable && Unversioned(path) == "/events")
                {
                    await StreamOneEventAsync(stream);
                    return;
                }
                if (Answer(path) is not { } body)
                {
                    _stalled.TrySetResult(requestLine);
                    await Task.Delay(Timeout.Infinite, _stop.Token); // never answered
                    return;
                }
                byte[] bytes = Encoding.UTF8.GetBytes(body);
                string header = $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nContent-Length: {bytes.Length}\r\n\r\n";
                await stream.WriteAsync(Encoding.ASCII.GetBytes(header), _stop.Token);
                await stream.WriteAsync(bytes, _stop.Token);
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
            // The client went away mid-request: normal once cfir is interrupted.
        }
    }

    /// <summary>Versioned paths: "/v1.41/info" is "/info".</summary>
    private static string Unversioned(string path) =>
        path.StartsWith("/v", StringComparison.Ordinal) && path.IndexOf('/', 1) is var slash and > 0 && path.Length > 2 && char.IsAsciiDigit(path[2]) ? path[slash..] : path;

    /// <summary>The container's start, as one chunk of a chunked /events stream that then stays open.</summary>
    private async Task StreamOneEventAsync(NetworkStream stream)
    {
        long nano = (DateTimeOffset.UtcNow - DateTimeOffset.UnixEpoch).Ticks * 100;
        string e = $$$"""{"status":"start","id":"{{{ContainerId}}}","from":"cfir-test/stalling","Type":"container","Action":"start","Actor":{"ID":"{{{ContainerId}}}","Attributes":{"name":"{{{ContainerName}}}"}},"scope":"local","time":{{{nano / 1_000_000_000}}},"timeNano":{{{nano}}}}""" + "\n";
        byte[] bytes = Encoding.UTF8.GetBytes(e);
        await stream.WriteAsync(Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\nTransfer-Encoding: chunked\r\n\r\n"), _stop.Token);
        await stream.WriteAsync(Encoding.ASCII.GetBytes($"{bytes.Length:x}\r\n"), _stop.Token);
        await stream.WriteAsync(bytes, _stop.Token);
        await stream.WriteAsync("\r\n"u8.ToArray(), _stop.Token);
        await Task.Delay(Timeout.Infinite, _stop.Token);
    }

    /// <summary>The body for the calls discovery and listing make (and, followable, the inspect); null for everything else (which hangs).</summary>
    private string? Answer(string path)
    {
        path = Unversioned(path);
        if (_followable && path == $"/containers/{ContainerId}/json")
        {
            return "{\"Id\":\"" + ContainerId + "\",\"Name\":\"/" + ContainerName + "\",\"State\":{\"Status\":\"running\",\"Running\":true,\"Pid\":0},\"Config\":{\"Image\":\"cfir-test/stalling\",\"Labels\":{}}}";
        }
        return path switch
        {
            "/_ping" => "OK",
            "/version" => """{"Version":"0.0.0-cfir-stalling","ApiVersion":"1.41","MinAPIVersion":"1.12","Os":"linux","Arch":"amd64","KernelVersion":"0","GitCommit":"0","Components":[{"Name":"Engine","Version":"0.0.0-cfir-stalling"}]}""",
            "/info" => """{"ID":"cfir-stalling","Containers":1,"Name":"cfir-stalling-endpoint"}""",
            "/containers/json" => $$$"""[{"Id":"{{{ContainerId}}}","Names":["/{{{ContainerName}}}"],"Image":"cfir-test/stalling","State":"running","Status":"Up","Created":1700000000,"Labels":{}}]""",
            _ => null,
        };
    }

    private static int HeaderEnd(List<byte> data)
    {
        for (int i = 0; i + 3 < data.Count; i++)
        {
            if (data[i] == '\r' && data[i + 1] == '\n' && data[i + 2] == '\r' && data[i + 3] == '\n')
            {
                return i;
            }
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var c in _clients)
        {
            c.Dispose();
        }
        await _acceptLoop;
        _stop.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
