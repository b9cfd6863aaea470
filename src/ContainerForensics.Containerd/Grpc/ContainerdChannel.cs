using System.Net;
using ContainerForensics.Core.IO;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// The gRPC connection to one daemon's unix socket, shared by containerd's API and its CRI
/// plugin: Grpc.Net.Client's <see cref="GrpcChannel"/>, HTTP/2 in cleartext, every connection
/// made to the socket by <see cref="SocketsHttpHandler.ConnectCallback"/> (the address
/// <c>http://localhost</c> is a label only; see "Inter-process communication with gRPC and Unix
/// domain sockets", https://learn.microsoft.com/aspnet/core/grpc/interprocess-uds). This is the
/// one place that knows sockets. Generated stubs are built on <see cref="CallInvoker"/>, which
/// puts every call under <see cref="CallBudgetInterceptor"/>: a deadline of
/// <see cref="CallTimeout"/>, and failures as <see cref="GrpcCallException"/>,
/// <see cref="GrpcTimeoutException"/> or, when the caller cancels, <see cref="OperationCanceledException"/>.
/// </summary>
public sealed class ContainerdChannel : IDisposable
{
    /// <summary>
    /// The largest message accepted. containerd itself sends at most 16 MiB
    /// (defaults.DefaultMaxSendMsgSize); anything far beyond is a broken or hostile peer.
    /// </summary>
    public const int MaxMessageSize = 64 * 1024 * 1024;

    private readonly GrpcChannel _channel;

    /// <param name="location">What records call the socket when it is connected through another path
    /// (a socket found inside a container, connected through <c>/proc/self/fd/N</c>: where it lies); the socket path by default.</param>
    public ContainerdChannel(string socketPath, TimeSpan callTimeout, string? location = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(callTimeout, TimeSpan.Zero);
        SocketPath = socketPath;
        Endpoint = location ?? socketPath;
        CallTimeout = callTimeout;
        _channel = GrpcChannel.ForAddress("http://localhost", new GrpcChannelOptions
        {
            HttpHandler = SocketHandler(socketPath),
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxMessageSize,
            // Cancellation stays an RpcException inside the library: the interceptor tells the
            // caller's cancellation apart from a daemon's Cancelled status by the caller's token.
            ThrowOperationCanceledOnCancellation = false,
        });
        CallInvoker = _channel.Intercept(new CallBudgetInterceptor(Endpoint, callTimeout));
    }

    /// <summary>The socket, as records name it.</summary>
    public string Endpoint { get; }

    /// <summary>The path every connection is made to.</summary>
    public string SocketPath { get; }

    /// <summary>The deadline of every call, server-streaming ones included (the whole stream).</summary>
    public TimeSpan CallTimeout { get; }

    /// <summary>What the generated clients are made on: every call budgeted, every failure typed.</summary>
    public CallInvoker CallInvoker { get; }

    private static SocketsHttpHandler SocketHandler(string socketPath) => new()
    {
        ConnectCallback = (_, cancellationToken) => UnixSocketConnector.ConnectAsync(socketPath, cancellationToken),
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        // One daemon, one connection; HTTP/2 multiplexes concurrent calls over it.
        EnableMultipleHttp2Connections = false,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    };

    public void Dispose() => _channel.Dispose();
}
