using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using ContainerForensics.TestSupport;

namespace ContainerForensics.Docker.Tests.Fakes;

/// <summary>
/// A stand-in daemon speaking real HTTP/1.1 on a unix socket (or TCP+TLS): each request line
/// goes to a handler that answers with a <see cref="FakeResponse"/>, which can also hang, close
/// the connection, or stream a body in chunks and stop. Written by hand so tests control exactly
/// which bytes go out and when.
/// </summary>
internal sealed class FakeDockerServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly Func<FakeRequest, FakeResponse> _handler;
    private readonly X509Certificate2? _serverCertificate;
    private readonly bool _requireClientCertificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Socket> _clients = [];
    private readonly Task _acceptLoop;
    private readonly string? _directory;

    private FakeDockerServer(Socket listener, Func<FakeRequest, FakeResponse> handler, string endpoint, string? directory, X509Certificate2? certificate, bool requireClientCertificate)
    {
        _listener = listener;
        _handler = handler;
        Endpoint = endpoint;
        _directory = directory;
        _serverCertificate = certificate;
        _requireClientCertificate = requireClientCertificate;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>unix:///tmp/.../docker.sock or tcp://127.0.0.1:port</summary>
    public string Endpoint { get; }

    public string? SocketPath => Endpoint.StartsWith("unix://", StringComparison.Ordinal) ? Endpoint["unix://".Length..] : null;

    /// <summary>Request lines received, e.g. "GET /v1.41/info".</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Unexpected failures while serving a connection (TLS handshakes refused, ...).</summary>
    public ConcurrentQueue<Exception> Failures { get; } = new();

    /// <summary>Client certificates presented on TLS connections (subject names).</summary>
    public ConcurrentQueue<string?> ClientCertificates { get; } = new();

    public static FakeDockerServer OnUnixSocket(Func<FakeRequest, FakeResponse> handler)
    {
        string dir = Directory.CreateTempSubdirectory("cfir-fake-docker-").FullName;
        string path = Path.Combine(dir, "docker.sock");
        var listener = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        listener.Bind(new UnixDomainSocketEndPoint(path));
        listener.Listen(16);
        return new FakeDockerServer(listener, handler, "unix://" + path, dir, null, false);
    }

    public static FakeDockerServer OnTls(Func<FakeRequest, FakeResponse> handler, X509Certificate2 certificate, bool requireClientCertificate)
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(16);
        int port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        return new FakeDockerServer(listener, handler, $"tcp://127.0.0.1:{port}", null, certificate, requireClientCertificate);
    }

    private Task AcceptLoopAsync() => AcceptLoop.RunAsync(_listener, client =>
    {
        _clients.Add(client);
        _ = Task.Run(() => ServeAsync(client));
    }, _stop.Token);

    private async Task ServeAsync(Socket client)
    {
        try
        {
            Stream stream = new NetworkStream(client, ownsSocket: true);
            if (_serverCertificate is not null)
            {
                var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _serverCertificate,
                    ClientCertificateRequired = _requireClientCertificate,
                    RemoteCertificateValidationCallback = (_, cert, _, _) => !_requireClientCertificate || cert is not null,
                }, _stop.Token);
                ClientCertificates.Enqueue(ssl.RemoteCertificate?.Subject);
                stream = ssl;
            }
            await using (stream)
            {
                var reader = new RequestReader(stream);
                while (await reader.ReadRequestAsync(_stop.Token) is { } request)
                {
                    Requests.Enqueue($"{request.Method} {request.Target}");
                    var response = _handler(request);
                    if (!await WriteAsync(stream, response))
                    {
                        return;
                    }
                }
            }
        }
        catch (Exception) when (_stop.IsCancellationRequested)
        {
        }
        catch (IOException)
        {
        }
        catch (Exception ex)
        {
            Failures.Enqueue(ex);
        }
        finally
        {
            client.Dispose();
        }
    }

    /// <summary>Writes one response; false when the connection must end afterwards.</summary>
    private async Task<bool> WriteAsync(Stream stream, FakeResponse response)
    {
        if (response.Delay > TimeSpan.Zero)
        {
            await Task.Delay(response.Delay, _stop.Token);
        }
        switch (response.Behaviour)
        {
            case FakeBehaviour.Hang:
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return false;
            case FakeBehaviour.Close:
                return false;
        }
        var head = new StringBuilder();
        head.Append("HTTP/1.1 ").Append((int)response.Status).Append(' ').Append(response.Reason).Append("\r\n");
        head.Append("Server: fake-docker\r\n");
        foreach (var (name, value) in response.Headers)
        {
            head.Append(name).Append(": ").Append(value).Append("\r\n");
        }
        if (response.Behaviour == FakeBehaviour.Body)
        {
            head.Append("Content-Length: ").Append(response.Body.Length).Append("\r\n\r\n");
            await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
            await stream.WriteAsync(response.Body, _stop.Token);
            await stream.FlushAsync(_stop.Token);
            return true;
        }
        // Chunked: each chunk goes out on its own; then either the terminating chunk, a hang, or a cut.
        head.Append("Transfer-Encoding: chunked\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head.ToString()), _stop.Token);
        foreach (var chunk in response.Chunks)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(chunk.Length.ToString("x") + "\r\n"), _stop.Token);
            await stream.WriteAsync(chunk, _stop.Token);
            await stream.WriteAsync("\r\n"u8.ToArray(), _stop.Token);
            await stream.FlushAsync(_stop.Token);
        }
        switch (response.AfterChunks)
        {
            case FakeBehaviour.Hang:
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return false;
            case FakeBehaviour.Close:
                return false;
            default:
                await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), _stop.Token);
                await stream.FlushAsync(_stop.Token);
                return true;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        foreach (var c in _clients)
        {
            c.Dispose();
        }
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
        }
        _stop.Dispose();
        if (_directory is not null)
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    /// <summary>Reads request heads (and discards bodies) from a keep-alive connection.</summary>
    private sealed class RequestReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _filled;

        public async Task<FakeRequest?> ReadRequestAsync(CancellationToken token)
        {
            while (true)
            {
                int end = IndexOfHeadEnd();
                if (end >= 0)
                {
                    string head = Encoding.ASCII.GetString(_buffer, 0, end);
                    Consume(end + 4);
                    var lines = head.Split("\r\n");
                    var parts = lines[0].Split(' ');
                    var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    foreach (var line in lines.Skip(1))
                    {
                        int colon = line.IndexOf(':', StringComparison.Ordinal);
                        if (colon > 0)
                        {
                            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
                        }
                    }
                    if (headers.TryGetValue("Content-Length", out var cl) && int.TryParse(cl, out int length))
                    {
                        await SkipAsync(length, token);
                    }
                    return new FakeRequest(parts[0], parts[1], headers);
                }
                if (_filled == _buffer.Length)
                {
                    throw new IOException("request head too large");
                }
                int n = await stream.ReadAsync(_buffer.AsMemory(_filled), token);
                if (n == 0)
                {
                    return null;
                }
                _filled += n;
            }
        }

        private int IndexOfHeadEnd() => _buffer.AsSpan(0, _filled).IndexOf("\r\n\r\n"u8);

        private void Consume(int count)
        {
            Array.Copy(_buffer, count, _buffer, 0, _filled - count);
            _filled -= count;
        }

        private async Task SkipAsync(int count, CancellationToken token)
        {
            while (count > 0)
            {
                if (_filled == 0)
                {
                    int n = await stream.ReadAsync(_buffer, token);
                    if (n == 0)
                    {
                        return;
                    }
                    _filled = n;
                }
                int take = Math.Min(count, _filled);
                Consume(take);
                count -= take;
            }
        }
    }
}

internal sealed record FakeRequest(string Method, string Target, IReadOnlyDictionary<string, string> Headers)
{
    /// <summary>The path without the query.</summary>
    public string Path => Target.Split('?')[0];
}

internal enum FakeBehaviour
{
    Body,
    Chunked,
    /// <summary>Accept the request and never answer.</summary>
    Hang,
    /// <summary>Close the connection without answering.</summary>
    Close,
}

internal sealed record FakeResponse
{
    public HttpStatusCode Status { get; init; } = HttpStatusCode.OK;

    public string Reason { get; init; } = "OK";

    public IReadOnlyList<(string Name, string Value)> Headers { get; init; } = [];

    public byte[] Body { get; init; } = [];

    public FakeBehaviour Behaviour { get; init; } = FakeBehaviour.Body;

    /// <summary>How long the daemon thinks before it answers (without holding a thread).</summary>
    public TimeSpan Delay { get; init; }

    public IReadOnlyList<byte[]> Chunks { get; init; } = [];

    /// <summary>For chunked bodies: Body = end properly, Hang = stop sending, Close = cut the connection.</summary>
    public FakeBehaviour AfterChunks { get; init; } = FakeBehaviour.Body;

    public static FakeResponse Json(string json, HttpStatusCode status = HttpStatusCode.OK, params (string, string)[] headers) => new()
    {
        Status = status,
        Reason = status.ToString(),
        Headers = [("Content-Type", "application/json"), .. headers],
        Body = Encoding.UTF8.GetBytes(json),
    };

    public static FakeResponse Text(string text, HttpStatusCode status) => new()
    {
        Status = status,
        Reason = status.ToString(),
        Headers = [("Content-Type", "text/plain")],
        Body = Encoding.UTF8.GetBytes(text),
    };

    public static FakeResponse Hang { get; } = new() { Behaviour = FakeBehaviour.Hang };

    public static FakeResponse Close { get; } = new() { Behaviour = FakeBehaviour.Close };

    public static FakeResponse NotFound(string message) =>
        Json($$"""{"message":{{System.Text.Json.JsonSerializer.Serialize(message)}}}""", HttpStatusCode.NotFound);

    public static FakeResponse Stream(IReadOnlyList<byte[]> chunks, FakeBehaviour after = FakeBehaviour.Body) => new()
    {
        Behaviour = FakeBehaviour.Chunked,
        Chunks = chunks,
        AfterChunks = after,
    };
}
