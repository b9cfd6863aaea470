using System.Buffers.Binary;
using System.Collections.Concurrent;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Logging;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// A stand-in gRPC server: Kestrel speaking HTTP/2 (prior knowledge) on a unix socket in a temp
/// directory, as containerd does. Handlers get the request message bytes and write a real gRPC
/// response: frames in the body, status in the trailers, or a trailers-only error. The request
/// framing is parsed here independently of the client's code.
/// </summary>
internal sealed class FakeGrpcServer : IAsyncDisposable
{
    private readonly string _dir;
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, byte[], Task>> _handlers = new(StringComparer.Ordinal);

    private FakeGrpcServer(string dir, WebApplication app)
    {
        _dir = dir;
        _app = app;
    }

    public string SocketPath => Path.Combine(_dir, "grpc.sock");

    /// <summary>Every request that arrived: path, headers, the request message.</summary>
    public ConcurrentQueue<ReceivedCall> Calls { get; } = new();

    public static async Task<FakeGrpcServer> StartAsync()
    {
        string dir = Directory.CreateTempSubdirectory("cfir-grpc-").FullName;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.ListenUnixSocket(Path.Combine(dir, "grpc.sock"), l => l.Protocols = HttpProtocols.Http2));
        var app = builder.Build();
        var server = new FakeGrpcServer(dir, app);
        app.Run(server.DispatchAsync);
        await app.StartAsync();
        return server;
    }

    /// <summary>A unary method answering with a message, or throwing <see cref="FakeStatus"/> for an error status.</summary>
    public void Unary<TRequest, TResponse>(string path, Func<TRequest, HttpContext, TResponse> handle)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage
    {
        var parser = new MessageParser<TRequest>(() => new TRequest());
        _handlers[path] = async (ctx, body) =>
        {
            TResponse response;
            try
            {
                response = handle(parser.ParseFrom(body), ctx);
            }
            catch (FakeStatus status)
            {
                WriteTrailersOnly(ctx, status.Code, status.Message);
                return;
            }
            await WriteMessageAsync(ctx, response.ToByteArray());
            WriteTrailers(ctx, StatusCode.OK, null);
        };
    }

    /// <summary>Full control over the response.</summary>
    public void Raw(string path, Func<HttpContext, byte[], Task> handle) => _handlers[path] = handle;

    public static async Task WriteMessageAsync(HttpContext ctx, byte[] message, bool compressed = false)
    {
        var header = new byte[5];
        header[0] = compressed ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(1), (uint)message.Length);
        await ctx.Response.Body.WriteAsync(header);
        await ctx.Response.Body.WriteAsync(message);
        await ctx.Response.Body.FlushAsync();
    }

    public static void WriteTrailers(HttpContext ctx, StatusCode code, string? message)
    {
        ctx.Response.AppendTrailer("grpc-status", ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (message is not null)
        {
            ctx.Response.AppendTrailer("grpc-message", Uri.EscapeDataString(message));
        }
    }

    /// <summary>An error without any message: the status goes in the only header block.</summary>
    public static void WriteTrailersOnly(HttpContext ctx, StatusCode code, string? message)
    {
        ctx.Response.Headers["grpc-status"] = ((int)code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (message is not null)
        {
            ctx.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        }
    }

    private async Task DispatchAsync(HttpContext ctx)
    {
        using var buffer = new MemoryStream();
        await ctx.Request.Body.CopyToAsync(buffer, ctx.RequestAborted);
        byte[] raw = buffer.ToArray();
        if (raw.Length < 5 || raw[0] != 0 || BinaryPrimitives.ReadUInt32BigEndian(raw.AsSpan(1)) != raw.Length - 5)
        {
            ctx.Response.StatusCode = 400;
            return;
        }
        byte[] body = raw[5..];
        Calls.Enqueue(new ReceivedCall(ctx.Request.Path, ctx.Request.Protocol, ctx.Request.Method,
            ctx.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase), body));
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = "application/grpc";
        if (!_handlers.TryGetValue(ctx.Request.Path.Value ?? "", out var handler))
        {
            WriteTrailersOnly(ctx, StatusCode.Unimplemented, $"unknown method {ctx.Request.Path}");
            return;
        }
        await handler(ctx, body);
    }

    public async ValueTask DisposeAsync()
    {
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stop.Token);
        await _app.DisposeAsync();
        Directory.Delete(_dir, recursive: true);
    }
}

internal sealed record ReceivedCall(string Path, string Protocol, string Method, IReadOnlyDictionary<string, string> Headers, byte[] Message);

/// <summary>Thrown by a fake handler to answer with an error status.</summary>
internal sealed class FakeStatus(StatusCode code, string message) : Exception(message)
{
    public StatusCode Code { get; } = code;
}
