using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Text.Json;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Docker.Transport;

namespace ContainerForensics.Docker.Api;

/// <summary>
/// HTTP for the API classes: sends one request, holds it to the call's time budget, turns every
/// failure into a <see cref="DockerException"/> that names the endpoint and the call. It never
/// sees a socket (the handler from <see cref="DockerHandlerFactory"/> does).
/// </summary>
internal sealed class DockerConnection : IDisposable
{
    /// <summary>JSON answers are read whole; a daemon on a compromised host must not fill our memory.</summary>
    internal const int DefaultMaxJsonBytes = 64 * 1024 * 1024;

    private const int MaxErrorBodyBytes = 8 * 1024;

    private static readonly string UserAgent = "cfir/" +
        (typeof(DockerConnection).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0");

    private readonly HttpClient _http;

    public DockerConnection(DockerEndpoint endpoint, HttpMessageHandler handler, TimeSpan callTimeout, TimeProvider clock)
    {
        if (callTimeout <= TimeSpan.Zero && callTimeout != Timeout.InfiniteTimeSpan)
        {
            throw new ArgumentOutOfRangeException(nameof(callTimeout), "a call timeout must be positive");
        }
        Endpoint = endpoint;
        CallTimeout = callTimeout;
        Clock = clock;
        // The budget is ours (per call, including the body); HttpClient's own timeout would throw
        // a different exception for the same event.
        _http = new HttpClient(handler, disposeHandler: true) { BaseAddress = endpoint.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public DockerEndpoint Endpoint { get; }

    public TimeSpan CallTimeout { get; }

    /// <summary>
    /// The budget of a call whose answer needs the daemon to walk a writable layer (a diff, disk
    /// usage): eight call budgets, two minutes by default. Those calls take time in proportion to
    /// the layer's files (dockerd's diff of a million files took 10 s idle, more than 15 s
    /// during a collection). As evidence they are deferred, so waiting holds only the end of the
    /// run; the diff that plans a changed filesystem without host access holds that container.
    /// </summary>
    public TimeSpan LayerWalkTimeout => CallTimeout == Timeout.InfiniteTimeSpan ? CallTimeout : CallTimeout * 8;

    public TimeProvider Clock { get; }

    public int MaxJsonBytes { get; init; } = DefaultMaxJsonBytes;

    /// <summary>GET a JSON document, read whole within the budget (<see cref="CallTimeout"/> unless another is given).</summary>
    public async Task<DockerJson> GetJsonAsync(string path, CancellationToken cancellationToken, TimeSpan? timeout = null)
    {
        string call = "GET " + path;
        var limit = timeout ?? CallTimeout;
        using var budget = StartBudget(cancellationToken, limit);
        try
        {
            using var response = await SendAsync(HttpMethod.Get, path, call, budget.Token).ConfigureAwait(false);
            await ThrowIfErrorAsync(response, call, budget.Token).ConfigureAwait(false);
            byte[] body = await ReadBoundedAsync(response.Content, MaxJsonBytes, call, budget.Token).ConfigureAwait(false);
            var receivedAt = Clock.GetUnixTime();
            JsonElement root;
            try
            {
                using var doc = JsonDocument.Parse(body);
                root = doc.RootElement.Clone();
            }
            catch (JsonException ex)
            {
                throw new DockerProtocolException(Endpoint.ToString(), call, $"the answer is not valid JSON ({body.Length} bytes): {ex.Message}", ex);
            }
            return new DockerJson(call, body, root, receivedAt, CollectHeaders(response));
        }
        catch (OperationCanceledException ex) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DockerTimeoutException(Endpoint.ToString(), call, limit, ex);
        }
    }

    /// <summary>GET an answer whose headers are what matters (<c>/_ping</c>): the status is checked, the body left unread.</summary>
    public async Task<IReadOnlyDictionary<string, string>> GetHeadersAsync(string path, CancellationToken cancellationToken)
    {
        string call = "GET " + path;
        using var budget = StartBudget(cancellationToken, CallTimeout);
        try
        {
            using var response = await SendAsync(HttpMethod.Get, path, call, budget.Token).ConfigureAwait(false);
            await ThrowIfErrorAsync(response, call, budget.Token).ConfigureAwait(false);
            return CollectHeaders(response);
        }
        catch (OperationCanceledException ex) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DockerTimeoutException(Endpoint.ToString(), call, CallTimeout, ex);
        }
    }

    /// <summary>
    /// GET a body to stream (logs, exports): the headers must arrive within the budget, then each
    /// read of the body gets the budget again, so a daemon that stops sending never hangs us.
    /// The caller disposes the stream, which releases the response. <paramref name="timeout"/>, when
    /// given, replaces the budget for the headers only.
    /// </summary>
    /// <param name="idleTimeout">How long one read may wait for the daemon (default: the call budget); infinite for a stream that is quiet until something happens.</param>
    public async Task<Stream> GetStreamAsync(string path, CancellationToken cancellationToken, TimeSpan? timeout = null, TimeSpan? idleTimeout = null)
    {
        string call = "GET " + path;
        var limit = timeout ?? CallTimeout;
        using var budget = StartBudget(cancellationToken, limit);
        HttpResponseMessage? response = null;
        try
        {
            response = await SendAsync(HttpMethod.Get, path, call, budget.Token).ConfigureAwait(false);
            await ThrowIfErrorAsync(response, call, budget.Token).ConfigureAwait(false);
            var body = await response.Content.ReadAsStreamAsync(budget.Token).ConfigureAwait(false);
            var stream = new DockerResponseStream(response, body, Endpoint.ToString(), call, idleTimeout ?? CallTimeout);
            response = null;
            return stream;
        }
        catch (OperationCanceledException ex) when (budget.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new DockerTimeoutException(Endpoint.ToString(), call, limit, ex);
        }
        finally
        {
            response?.Dispose();
        }
    }

    private static CancellationTokenSource StartBudget(CancellationToken cancellationToken, TimeSpan limit)
    {
        var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (limit != Timeout.InfiniteTimeSpan)
        {
            cts.CancelAfter(limit);
        }
        return cts;
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string call, CancellationToken token)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative))
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.UserAgent.ParseAdd(UserAgent);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new DockerConnectionException(Endpoint.ToString(), call, DescribeTransportFailure(ex, Endpoint.Kind == DockerEndpointKind.Unix), ex);
        }
    }

    private async Task ThrowIfErrorAsync(HttpResponseMessage response, string call, CancellationToken token)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        string? body = null;
        string? message = null;
        try
        {
            byte[] bytes = await ReadBoundedAsync(response.Content, MaxErrorBodyBytes, call, token, truncate: true).ConfigureAwait(false);
            body = Encoding.UTF8.GetString(bytes);
            message = ExtractMessage(bytes) ?? (string.IsNullOrWhiteSpace(body) ? null : body.Trim());
        }
        catch (DockerException)
        {
            // The status is the answer; an unreadable error body does not hide it.
        }
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            throw new DockerNotFoundException(Endpoint.ToString(), call, message, body);
        }
        throw new DockerApiException(Endpoint.ToString(), call, response.StatusCode, message, body);
    }

    /// <summary>Errors are <c>{"message": "..."}</c> (Docker) or with extra <c>cause</c>/<c>response</c> (Podman).</summary>
    internal static string? ExtractMessage(ReadOnlySpan<byte> body)
    {
        try
        {
            var reader = new Utf8JsonReader(body);
            using var doc = JsonDocument.ParseValue(ref reader);
            if (doc.RootElement.ValueKind == JsonValueKind.Object &&
                doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String)
            {
                return m.GetString();
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    private async Task<byte[]> ReadBoundedAsync(HttpContent content, int limit, string call, CancellationToken token, bool truncate = false)
    {
        long? declared = content.Headers.ContentLength;
        if (declared > limit && !truncate)
        {
            throw new DockerProtocolException(Endpoint.ToString(), call, $"the answer is {declared} bytes, over the limit of {limit}");
        }
        try
        {
            using var stream = await content.ReadAsStreamAsync(token).ConfigureAwait(false);
            using var buffer = new MemoryStream(declared is { } n ? (int)Math.Min(n, limit) : 16 * 1024);
            byte[] chunk = new byte[64 * 1024];
            while (true)
            {
                int want = (int)Math.Min(chunk.Length, limit + 1L - buffer.Length);
                if (want <= 0)
                {
                    if (truncate)
                    {
                        break;
                    }
                    throw new DockerProtocolException(Endpoint.ToString(), call, $"the answer is over the limit of {limit} bytes");
                }
                int read = await stream.ReadAsync(chunk.AsMemory(0, want), token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }
                buffer.Write(chunk, 0, read);
            }
            if (truncate && buffer.Length > limit)
            {
                buffer.SetLength(limit);
            }
            return buffer.ToArray();
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            throw new DockerConnectionException(Endpoint.ToString(), call, "the connection broke while the answer was read: " + ex.Message, ex);
        }
    }

    private static Dictionary<string, string> CollectHeaders(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
        {
            headers[name] = string.Join(", ", values);
        }
        return headers;
    }

    /// <summary>A responder reads this in the archive: say what happened in words, not a socket error number.</summary>
    internal static string DescribeTransportFailure(HttpRequestException ex, bool unixSocket)
    {
        var socket = FindInner<SocketException>(ex);
        if (socket is not null)
        {
            return socket.SocketErrorCode switch
            {
                SocketError.ConnectionRefused => "connection refused (nothing listens there: daemon stopped?)",
                // .NET reports ECONNREFUSED and ENOENT on a unix socket as EADDRNOTAVAIL (checked on .NET 10).
                SocketError.AddressNotAvailable when unixSocket => "connection refused or socket gone (nothing listens there: daemon stopped, stale socket file?)",
                SocketError.AccessDenied => "permission denied (run as root or as a member of the socket's group)",
                SocketError.AddressNotAvailable or SocketError.HostNotFound or SocketError.NoData => "cannot connect: " + socket.Message,
                SocketError.ConnectionReset => "the daemon reset the connection",
                _ => $"cannot connect: {socket.Message} ({socket.SocketErrorCode.ToString()})",
            };
        }
        return ex.HttpRequestError switch
        {
            HttpRequestError.ResponseEnded => "the daemon closed the connection without a complete answer",
            HttpRequestError.InvalidResponse => "the answer is not valid HTTP: " + ex.Message,
            HttpRequestError.SecureConnectionError => "TLS failed: " + (ex.InnerException?.Message ?? ex.Message),
            HttpRequestError.ConnectionError => "cannot connect: " + (ex.InnerException?.Message ?? ex.Message),
            _ => ex.Message,
        };
    }

    private static T? FindInner<T>(Exception ex) where T : Exception
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is T t)
            {
                return t;
            }
        }
        return null;
    }

    internal static string FormatSeconds(TimeSpan t) => t.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";

    public void Dispose() => _http.Dispose();
}
