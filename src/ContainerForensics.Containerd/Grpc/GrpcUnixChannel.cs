using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// A gRPC client channel to a daemon on a unix socket, written on HttpClient (Grpc.Net.Client is
/// not available here). It speaks the wire protocol of
/// https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md:
/// <list type="bullet">
/// <item>HTTP/2 in cleartext with prior knowledge: every request is <c>Version20</c> with
/// <c>RequestVersionExact</c> (an <c>http://</c> URI would otherwise be sent as HTTP/1.1);</item>
/// <item>POST <c>/package.Service/Method</c> with <c>content-type: application/grpc</c>,
/// <c>te: trailers</c>, <c>grpc-timeout</c> and the caller's metadata as headers;</item>
/// <item>bodies are length-prefixed messages (<see cref="GrpcFraming"/>);</item>
/// <item>the outcome is <c>grpc-status</c>/<c>grpc-message</c> in the trailers, or in the
/// headers alone for a "trailers-only" error response; trailers exist only after the body was
/// read to its end, so the body is always drained first.</item>
/// </list>
/// Every call has a deadline: sent to the server as <c>grpc-timeout</c> and enforced here too,
/// so a daemon that stops answering costs the deadline and a <see cref="GrpcTimeoutException"/>,
/// never a hang.
/// </summary>
public sealed class GrpcUnixChannel : IDisposable
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new("application/grpc");

    private readonly HttpClient _http;
    private readonly TimeProvider _clock;
    private readonly int _maxMessageSize;

    public GrpcUnixChannel(string socketPath, TimeSpan callTimeout, TimeProvider? clock = null, int maxMessageSize = GrpcFraming.DefaultMaxMessageSize)
        : this(UnixSocketHttpHandler.Create(socketPath), socketPath, callTimeout, clock, maxMessageSize)
    {
    }

    /// <summary>A channel over any handler (tests); <paramref name="endpoint"/> only names it.</summary>
    public GrpcUnixChannel(HttpMessageHandler handler, string endpoint, TimeSpan callTimeout, TimeProvider? clock = null, int maxMessageSize = GrpcFraming.DefaultMaxMessageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(callTimeout, TimeSpan.Zero);
        Endpoint = endpoint;
        CallTimeout = callTimeout;
        _clock = clock ?? TimeProvider.System;
        _maxMessageSize = maxMessageSize;
        _http = new HttpClient(handler, disposeHandler: true)
        {
            // The HTTP host is a label only: the handler connects to the socket.
            BaseAddress = new Uri("http://localhost"),
            // Our own deadline governs; HttpClient's would throw a different exception.
            Timeout = System.Threading.Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = HttpVersion.Version20,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
    }

    /// <summary>The socket path (or what the channel was named after).</summary>
    public string Endpoint { get; }

    /// <summary>The deadline of every call.</summary>
    public TimeSpan CallTimeout { get; }

    /// <summary>
    /// One unary call. Throws <see cref="GrpcCallException"/> for a non-OK status (including
    /// Unavailable when the socket does not answer and Internal for a malformed response), and
    /// <see cref="GrpcTimeoutException"/> when the deadline passes. Cancelling
    /// <paramref name="cancellationToken"/> throws <see cref="OperationCanceledException"/>.
    /// </summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method,
        TRequest request,
        IEnumerable<KeyValuePair<string, string>>? metadata,
        CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        if (method.IsServerStreaming)
        {
            throw new ArgumentException($"{method.Path} is server-streaming: use {nameof(ServerStreamingAsync)}", nameof(method));
        }
        TResponse? response = default;
        await CallAsync(method, request, metadata, message =>
        {
            if (response is not null)
            {
                throw new GrpcProtocolException("a unary call answered with more than one message");
            }
            response = message;
            return ValueTask.CompletedTask;
        }, cancellationToken).ConfigureAwait(false);
        return response ?? throw new GrpcCallException(method.Path, GrpcStatusCode.Internal, "status OK without a response message");
    }

    /// <summary>
    /// One server-streaming call (containerd's Content.Read and Content.List): every message is
    /// handed to <paramref name="onMessage"/> as it arrives, so nothing waits for the whole
    /// stream. The deadline covers the whole call, as gRPC's does; failures are those of
    /// <see cref="UnaryAsync"/>. Messages handed over before a failure stay handed over: the
    /// caller decides what a stream that broke off is worth.
    /// </summary>
    public async Task ServerStreamingAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method,
        TRequest request,
        IEnumerable<KeyValuePair<string, string>>? metadata,
        Func<TResponse, ValueTask> onMessage,
        CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        if (!method.IsServerStreaming)
        {
            throw new ArgumentException($"{method.Path} is unary: use {nameof(UnaryAsync)}", nameof(method));
        }
        await CallAsync(method, request, metadata, onMessage, cancellationToken).ConfigureAwait(false);
    }

    private async Task CallAsync<TRequest, TResponse>(
        GrpcMethod<TRequest, TResponse> method,
        TRequest request,
        IEnumerable<KeyValuePair<string, string>>? metadata,
        Func<TResponse, ValueTask> onMessage,
        CancellationToken cancellationToken)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>, new()
    {
        using var deadline = new CancellationTokenSource(CallTimeout, _clock);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        try
        {
            using var response = await SendAsync(method.Path, GrpcFraming.Encode(request), metadata, linked.Token).ConfigureAwait(false);
            await ReadResponseAsync(method.Path, response, async bytes =>
            {
                TResponse message;
                try
                {
                    message = method.Parser.ParseFrom(bytes);
                }
                catch (InvalidProtocolBufferException ex)
                {
                    throw new GrpcCallException(method.Path, GrpcStatusCode.Internal, $"response is not a valid {new TResponse().Descriptor.FullName}: {ex.Message}", ex);
                }
                await onMessage(message).ConfigureAwait(false);
            }, linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException ex) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new GrpcTimeoutException(method.Path, CallTimeout, ex);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string path, byte[] frame, IEnumerable<KeyValuePair<string, string>>? metadata, CancellationToken token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new ByteArrayContent(frame),
        };
        request.Content.Headers.ContentType = GrpcContentType;
        request.Headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        request.Headers.TryAddWithoutValidation(GrpcTimeoutHeader.Name, GrpcTimeoutHeader.Format(CallTimeout));
        foreach (var (key, value) in metadata ?? [])
        {
            request.Headers.TryAddWithoutValidation(key, value);
        }

        try
        {
            return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (!token.IsCancellationRequested)
        {
            throw new GrpcCallException(path, GrpcStatusCode.Unavailable, $"cannot reach {Endpoint}: {ex.Message}", ex);
        }
        catch (HttpRequestException ex)
        {
            throw new OperationCanceledException(ex.Message, ex, token);
        }
    }

    /// <summary>Checks the headers, hands over every message of the body in order, then reads the status from the trailers.</summary>
    private async Task ReadResponseAsync(string path, HttpResponseMessage response, Func<byte[], ValueTask> onMessage, CancellationToken token)
    {
        // A trailers-only response carries its status in the headers and has no body.
        bool trailersOnly = TryReadStatus(path, response.Headers, out var headerStatus);
        if (trailersOnly && !headerStatus.IsOk)
        {
            throw new GrpcCallException(path, headerStatus.Code, headerStatus.Message);
        }
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new GrpcCallException(path, GrpcStatus.FromHttpStatus(response.StatusCode), $"HTTP status {(int)response.StatusCode} without a gRPC status");
        }
        string? contentType = response.Content.Headers.ContentType?.MediaType;
        if (contentType is null || !contentType.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            throw new GrpcCallException(path, GrpcStatusCode.Unknown, $"response content-type '{contentType}' is not application/grpc");
        }

        GrpcProtocolException? broken = null;
        try
        {
            var stream = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var reader = new GrpcFrameReader(stream, _maxMessageSize);
                while (await reader.ReadMessageAsync(token).ConfigureAwait(false) is { } message)
                {
                    await onMessage(message).ConfigureAwait(false);
                }
            }
        }
        catch (GrpcProtocolException ex)
        {
            broken = ex;
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            if (token.IsCancellationRequested)
            {
                // Our deadline (or the caller) aborted the stream: that is a timeout, not a broken daemon.
                throw new OperationCanceledException(ex.Message, ex, token);
            }
            // Includes HttpProtocolException: the stream was reset or the connection dropped.
            throw new GrpcCallException(path, GrpcStatusCode.Unavailable, $"response from {Endpoint} broke off: {ex.Message}", ex);
        }

        // The trailers are there once the body was read to its end; a server error there
        // explains a broken body better than the framing does.
        bool hasTrailers = TryReadStatus(path, response.TrailingHeaders, out var status);
        if (hasTrailers && !status.IsOk)
        {
            throw new GrpcCallException(path, status.Code, status.Message, broken);
        }
        if (broken is not null)
        {
            throw new GrpcCallException(path, GrpcStatusCode.Internal, broken.Message, broken);
        }
        if (!hasTrailers && !trailersOnly)
        {
            throw new GrpcCallException(path, GrpcStatusCode.Internal, "response ended without grpc-status");
        }
    }

    private static bool TryReadStatus(string path, HttpHeaders headers, out GrpcStatus status)
    {
        try
        {
            return GrpcStatus.TryRead(headers, out status);
        }
        catch (GrpcProtocolException ex)
        {
            throw new GrpcCallException(path, GrpcStatusCode.Internal, ex.Message, ex);
        }
    }

    public void Dispose() => _http.Dispose();
}
