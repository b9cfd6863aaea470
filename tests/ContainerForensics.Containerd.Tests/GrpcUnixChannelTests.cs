using System.Diagnostics;
using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Api.Content;
using ContainerForensics.Containerd.Client;
using ContainerForensics.Containerd.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;

namespace ContainerForensics.Containerd.Tests;

/// <summary>The channel against a real HTTP/2 gRPC server (Kestrel) on a unix socket.</summary>
public sealed class GrpcUnixChannelTests : IAsyncLifetime
{
    private static readonly string VersionPath = ContainerdMethods.Version.Path;
    private static readonly string TaskGetPath = ContainerdMethods.GetTask.Path;
    private static readonly string NamespacesPath = ContainerdMethods.ListNamespaces.Path;
    private static readonly string ContainersPath = ContainerdMethods.ListContainers.Path;

    private FakeGrpcServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeGrpcServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    [Fact]
    public void MethodPaths_ComeFromTheProtoPackages()
    {
        Assert.Equal("/containerd.services.version.v1.Version/Version", ContainerdMethods.Version.Path);
        Assert.Equal("/containerd.services.namespaces.v1.Namespaces/List", ContainerdMethods.ListNamespaces.Path);
        Assert.Equal("/containerd.services.containers.v1.Containers/List", ContainerdMethods.ListContainers.Path);
        Assert.Equal("/containerd.services.containers.v1.Containers/Get", ContainerdMethods.GetContainer.Path);
        Assert.Equal("/containerd.services.tasks.v1.Tasks/List", ContainerdMethods.ListTasks.Path);
        Assert.Equal("/containerd.services.tasks.v1.Tasks/Get", ContainerdMethods.GetTask.Path);
    }

    [Fact]
    public async Task Unary_SendsTheGrpcRequestAndReadsTheResponse()
    {
        _server.Unary<Empty, VersionResponse>(VersionPath, (_, _) => new VersionResponse { Version = "1.6.20~ds1", Revision = "rev-1" });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var response = await channel.UnaryAsync(ContainerdMethods.Version, new Empty(), [new("containerd-namespace", "k8s.io")], default);

        Assert.Equal("1.6.20~ds1", response.Version);
        Assert.Equal("rev-1", response.Revision);
        var call = Assert.Single(_server.Calls);
        Assert.Equal("HTTP/2", call.Protocol);
        Assert.Equal("POST", call.Method);
        Assert.Equal("application/grpc", call.Headers["content-type"]);
        Assert.Equal("trailers", call.Headers["te"]);
        Assert.Equal("5000m", call.Headers["grpc-timeout"]);
        Assert.Equal("k8s.io", call.Headers["containerd-namespace"]);
        Assert.Empty(call.Message);
    }

    [Fact]
    public async Task Unary_ErrorStatusInTrailersAfterHeaders()
    {
        _server.Raw(TaskGetPath, async (ctx, _) =>
        {
            await ctx.Response.StartAsync();
            FakeGrpcServer.WriteTrailers(ctx, GrpcStatusCode.NotFound, "no running task found: task c1 not found: not found");
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.GetTask, new GetRequest { ContainerId = "c1" }, null, default));

        Assert.Equal(GrpcStatusCode.NotFound, ex.StatusCode);
        Assert.Equal("no running task found: task c1 not found: not found", ex.StatusMessage);
        Assert.Equal(TaskGetPath, ex.Method);
        Assert.Contains(TaskGetPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("NotFound", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_ErrorStatusInATrailersOnlyResponse()
    {
        _server.Unary<GetRequest, GetResponse>(TaskGetPath, (r, _) => throw new FakeStatus(GrpcStatusCode.PermissionDenied, $"nope: {r.ContainerId} ü"));
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.GetTask, new GetRequest { ContainerId = "c2" }, null, default));

        Assert.Equal(GrpcStatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("nope: c2 ü", ex.StatusMessage);
    }

    [Fact]
    public async Task Unary_UnknownMethodIsUnimplemented()
    {
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, default));

        Assert.Equal(GrpcStatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_HangingServerCostsTheDeadlineAndNamesTheCall()
    {
        _server.Raw(NamespacesPath, async (ctx, _) =>
        {
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // the client gave up: what we wanted
            }
        });
        var timeout = TimeSpan.FromMilliseconds(700);
        using var channel = new GrpcUnixChannel(_server.SocketPath, timeout);
        var clock = Stopwatch.StartNew();

        // Hang guard: a client that hangs fails this test after 10 s instead of blocking the run.
        var ex = await Assert.ThrowsAsync<GrpcTimeoutException>(() =>
            channel.UnaryAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, default).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(50), $"gave up after {clock.Elapsed}");
        Assert.Equal(NamespacesPath, ex.Method);
        Assert.Equal(timeout, ex.Timeout);
        Assert.Contains(NamespacesPath, ex.Message, StringComparison.Ordinal);
        Assert.Equal("700m", _server.Calls.Single().Headers["grpc-timeout"]);
    }

    [Fact]
    public async Task Unary_HangAfterTheFirstBytesAlsoTimesOut()
    {
        _server.Raw(NamespacesPath, async (ctx, _) =>
        {
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 9 }, ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            try
            {
                await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
            }
            catch (OperationCanceledException)
            {
            }
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAsync<GrpcTimeoutException>(() =>
            channel.UnaryAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, default).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Unary_CallerCancellationIsNotATimeout()
    {
        _server.Raw(NamespacesPath, (ctx, _) => Task.Delay(Timeout.Infinite, ctx.RequestAborted).ContinueWith(_ => { }, TaskScheduler.Default));
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            channel.UnaryAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.IsNotType<GrpcTimeoutException>(ex);
    }

    [Fact]
    public async Task Unary_CutOffResponseFrameIsAnInternalError()
    {
        _server.Raw(NamespacesPath, async (ctx, _) =>
        {
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 100, 1, 2, 3 });
            FakeGrpcServer.WriteTrailers(ctx, GrpcStatusCode.OK, null);
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, default));

        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
        Assert.Contains("cut off", ex.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_ErrorTrailerExplainsABrokenBody()
    {
        _server.Raw(NamespacesPath, async (ctx, _) =>
        {
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0 });
            FakeGrpcServer.WriteTrailers(ctx, GrpcStatusCode.ResourceExhausted, "message larger than max");
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, default));

        Assert.Equal(GrpcStatusCode.ResourceExhausted, ex.StatusCode);
        Assert.IsType<GrpcProtocolException>(ex.InnerException);
    }

    [Fact]
    public async Task Unary_MissingStatusIsAnError()
    {
        _server.Raw(NamespacesPath, (ctx, _) => FakeGrpcServer.WriteMessageAsync(ctx, new ListNamespacesResponse().ToByteArray()));
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.ListNamespaces, new ListNamespacesRequest(), null, default));

        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
        Assert.Contains("grpc-status", ex.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_TwoMessagesForAUnaryCallIsAnError()
    {
        _server.Raw(ContainersPath, async (ctx, _) =>
        {
            await FakeGrpcServer.WriteMessageAsync(ctx, []);
            await FakeGrpcServer.WriteMessageAsync(ctx, []);
            FakeGrpcServer.WriteTrailers(ctx, GrpcStatusCode.OK, null);
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.ListContainers, new ListContainersRequest(), null, default));
        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_OkWithoutMessageIsAnError()
    {
        _server.Raw(ContainersPath, (ctx, _) =>
        {
            FakeGrpcServer.WriteTrailersOnly(ctx, GrpcStatusCode.OK, null);
            return Task.CompletedTask;
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.ListContainers, new ListContainersRequest(), null, default));
        Assert.Equal(GrpcStatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_MissingSocketIsUnavailable()
    {
        using var channel = new GrpcUnixChannel(Path.Combine(Path.GetTempPath(), $"cfir-absent-{Guid.NewGuid():N}.sock"), TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.UnaryAsync(ContainerdMethods.Version, new Empty(), null, default));
        Assert.Equal(GrpcStatusCode.Unavailable, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_ConcurrentCallsShareTheConnection()
    {
        _server.Unary<Empty, VersionResponse>(VersionPath, (_, ctx) => new VersionResponse { Version = ctx.TraceIdentifier });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => channel.UnaryAsync(ContainerdMethods.Version, new Empty(), null, default)));

        Assert.Equal(20, all.Select(r => r.Version).Distinct().Count());
    }

    [Fact]
    public async Task ServerStreaming_HandsOverEveryMessageInOrder()
    {
        _server.Raw(ContainerdMethods.ReadContent.Path, async (ctx, body) =>
        {
            Assert.Equal("sha256:abc", ReadContentRequest.Parser.ParseFrom(body).Digest);
            await ctx.Response.StartAsync();
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 0, Data = ByteString.CopyFromUtf8("hello ") }.ToByteArray());
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 6, Data = ByteString.CopyFromUtf8("world") }.ToByteArray());
            FakeGrpcServer.WriteTrailers(ctx, GrpcStatusCode.OK, null);
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));
        var got = new List<ReadContentResponse>();

        await channel.ServerStreamingAsync(ContainerdMethods.ReadContent, new ReadContentRequest { Digest = "sha256:abc" }, null, m =>
        {
            got.Add(m);
            return ValueTask.CompletedTask;
        }, default);

        Assert.Equal([0L, 6L], got.Select(m => m.Offset));
        Assert.Equal("hello world", string.Concat(got.Select(m => m.Data.ToStringUtf8())));
    }

    [Fact]
    public async Task ServerStreaming_AnErrorAfterSomeMessagesKeepsThemAndThrowsTheStatus()
    {
        _server.Raw(ContainerdMethods.ReadContent.Path, async (ctx, _) =>
        {
            await ctx.Response.StartAsync();
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 0, Data = ByteString.CopyFromUtf8("part") }.ToByteArray());
            FakeGrpcServer.WriteTrailers(ctx, GrpcStatusCode.DataLoss, "blob truncated on disk");
        });
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));
        int messages = 0;

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => channel.ServerStreamingAsync(ContainerdMethods.ReadContent, new ReadContentRequest(), null, _ =>
        {
            messages++;
            return ValueTask.CompletedTask;
        }, default));

        Assert.Equal(1, messages);
        Assert.Equal(GrpcStatusCode.DataLoss, ex.StatusCode);
        Assert.Equal("blob truncated on disk", ex.StatusMessage);
    }

    [Fact]
    public async Task StreamingAndUnaryMethodsAreNotMixedUp()
    {
        using var channel = new GrpcUnixChannel(_server.SocketPath, TimeSpan.FromSeconds(5));

        await Assert.ThrowsAsync<ArgumentException>(() => channel.UnaryAsync(ContainerdMethods.ReadContent, new ReadContentRequest(), null, default));
        await Assert.ThrowsAsync<ArgumentException>(() => channel.ServerStreamingAsync(ContainerdMethods.Version, new Empty(), null, _ => ValueTask.CompletedTask, default));
    }
}
