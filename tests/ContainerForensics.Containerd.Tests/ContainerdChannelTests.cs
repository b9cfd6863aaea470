using System.Diagnostics;
using System.Globalization;
using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Api.Content;
using ContainerForensics.Containerd.Client;
using ContainerForensics.Containerd.Grpc;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using ContentService = ContainerForensics.Containerd.Api.Content.Content;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Tests;

/// <summary>
/// <see cref="ContainerdChannel"/> (Grpc.Net.Client on the unix socket, every call budgeted and
/// its failure typed) with the generated stubs, against a real HTTP/2 gRPC server (Kestrel) on a
/// unix socket that answers as each test decides, broken answers included.
/// </summary>
public sealed class ContainerdChannelTests : IAsyncLifetime
{
    private static readonly string VersionPath = ContainerdMethods.Version;
    private static readonly string TaskGetPath = ContainerdMethods.GetTask;
    private static readonly string NamespacesPath = ContainerdMethods.ListNamespaces;
    private static readonly string ContainersPath = ContainerdMethods.ListContainers;

    private FakeGrpcServer _server = null!;

    public async Task InitializeAsync() => _server = await FakeGrpcServer.StartAsync();

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private ContainerdChannel Channel(TimeSpan timeout) => new(_server.SocketPath, timeout);

    private static Task<ListNamespacesResponse> ListNamespacesAsync(ContainerdChannel channel, CancellationToken cancellationToken = default) =>
        new Namespaces.NamespacesClient(channel.CallInvoker).ListAsync(new ListNamespacesRequest(), cancellationToken: cancellationToken).ResponseAsync;

    [Fact]
    public void MethodPaths_ComeFromTheProtoPackages()
    {
        Assert.Equal("/containerd.services.version.v1.Version/Version", ContainerdMethods.Version);
        Assert.Equal("/containerd.services.namespaces.v1.Namespaces/List", ContainerdMethods.ListNamespaces);
        Assert.Equal("/containerd.services.containers.v1.Containers/List", ContainerdMethods.ListContainers);
        Assert.Equal("/containerd.services.containers.v1.Containers/Get", ContainerdMethods.GetContainer);
        Assert.Equal("/containerd.services.tasks.v1.Tasks/List", ContainerdMethods.ListTasks);
        Assert.Equal("/containerd.services.tasks.v1.Tasks/Get", ContainerdMethods.GetTask);
    }

    [Fact]
    public async Task Unary_SendsTheGrpcRequestAndReadsTheResponse()
    {
        _server.Unary<Empty, VersionResponse>(VersionPath, (_, _) => new VersionResponse { Version = "1.6.20~ds1", Revision = "rev-1" });
        using var channel = Channel(TimeSpan.FromSeconds(5));
        var stub = new Api.Version.VersionClient(channel.CallInvoker);

        var response = await stub.VersionAsync(new Empty(), new Metadata { { "containerd-namespace", "k8s.io" } });

        Assert.Equal("1.6.20~ds1", response.Version);
        Assert.Equal("rev-1", response.Revision);
        var call = Assert.Single(_server.Calls);
        Assert.Equal("HTTP/2", call.Protocol);
        Assert.Equal("POST", call.Method);
        Assert.Equal("application/grpc", call.Headers["content-type"]);
        Assert.Equal("trailers", call.Headers["te"]);
        AssertDeadlineSent(call, TimeSpan.FromSeconds(5));
        Assert.Equal("k8s.io", call.Headers["containerd-namespace"]);
        Assert.Empty(call.Message);
    }

    [Fact]
    public async Task Unary_ErrorStatusInTrailersAfterHeaders()
    {
        _server.Raw(TaskGetPath, async (ctx, _) =>
        {
            await ctx.Response.StartAsync();
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.NotFound, "no running task found: task c1 not found: not found");
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => new Tasks.TasksClient(channel.CallInvoker).GetAsync(new GetRequest { ContainerId = "c1" }).ResponseAsync);

        Assert.Equal(StatusCode.NotFound, ex.StatusCode);
        Assert.Equal("no running task found: task c1 not found: not found", ex.StatusMessage);
        Assert.Equal(TaskGetPath, ex.Method);
        Assert.Equal(_server.SocketPath, ex.Endpoint);
        Assert.Contains(TaskGetPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains(_server.SocketPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("NotFound", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_ErrorStatusInATrailersOnlyResponse()
    {
        _server.Unary<GetRequest, GetResponse>(TaskGetPath, (r, _) => throw new FakeStatus(StatusCode.PermissionDenied, $"nope: {r.ContainerId} ü"));
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => new Tasks.TasksClient(channel.CallInvoker).GetAsync(new GetRequest { ContainerId = "c2" }).ResponseAsync);

        Assert.Equal(StatusCode.PermissionDenied, ex.StatusCode);
        Assert.Equal("nope: c2 ü", ex.StatusMessage);
    }

    [Fact]
    public async Task Unary_UnknownMethodIsUnimplemented()
    {
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ListNamespacesAsync(channel));

        Assert.Equal(StatusCode.Unimplemented, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_HangingServerCostsTheDeadlineAndNamesTheCall()
    {
        _server.Raw(NamespacesPath, HangAsync);
        var timeout = TimeSpan.FromMilliseconds(700);
        using var channel = Channel(timeout);
        var clock = Stopwatch.StartNew();

        // Hang guard: a client that hangs fails this test after 10 s instead of blocking the run.
        var ex = await Assert.ThrowsAsync<GrpcTimeoutException>(() => ListNamespacesAsync(channel).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.True(clock.Elapsed >= timeout - TimeSpan.FromMilliseconds(50), $"gave up after {clock.Elapsed}");
        Assert.Equal(NamespacesPath, ex.Method);
        Assert.Equal(timeout, ex.Timeout);
        Assert.Equal(_server.SocketPath, ex.Endpoint);
        Assert.Contains(NamespacesPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains(_server.SocketPath, ex.Message, StringComparison.Ordinal);
        Assert.Contains("no answer within 0.7 s", ex.Message, StringComparison.Ordinal);
        AssertDeadlineSent(_server.Calls.Single(), timeout);
    }

    [Fact]
    public async Task Unary_HangAfterTheFirstBytesAlsoTimesOut()
    {
        _server.Raw(NamespacesPath, async (ctx, body) =>
        {
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 9 }, ctx.RequestAborted);
            await ctx.Response.Body.FlushAsync(ctx.RequestAborted);
            await HangAsync(ctx, body);
        });
        using var channel = Channel(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAsync<GrpcTimeoutException>(() => ListNamespacesAsync(channel).WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task Unary_CallerCancellationIsNotATimeout()
    {
        _server.Raw(NamespacesPath, HangAsync);
        using var channel = Channel(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ListNamespacesAsync(channel, cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.IsNotType<GrpcTimeoutException>(ex);
        Assert.Equal(cancel.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task Unary_CutOffResponseFrameIsAnInternalError()
    {
        _server.Raw(NamespacesPath, async (ctx, _) =>
        {
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 100, 1, 2, 3 });
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ListNamespacesAsync(channel));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("Unexpected end of content while reading the message content", ex.StatusMessage, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(Assert.IsType<RpcException>(ex.InnerException).Status.DebugException);
        Assert.Contains(_server.SocketPath, ex.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// A body cut inside a frame header is an error even when the trailers that follow say OK or
    /// carry an error of their own. (Grpc.Net.Client reports the broken frame, Internal, and does
    /// not read the trailers of a body it could not parse.)
    /// </summary>
    [Theory]
    [InlineData(StatusCode.OK)]
    [InlineData(StatusCode.ResourceExhausted)]
    public async Task Unary_ACutOffFrameHeaderIsAnErrorWhateverTheTrailersSay(StatusCode trailer)
    {
        _server.Raw(NamespacesPath, async (ctx, _) =>
        {
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0 });
            FakeGrpcServer.WriteTrailers(ctx, trailer, trailer == StatusCode.OK ? null : "message larger than max");
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ListNamespacesAsync(channel));

        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("Unexpected end of content while reading the message header", ex.StatusMessage, StringComparison.Ordinal);
        Assert.IsType<InvalidDataException>(Assert.IsType<RpcException>(ex.InnerException).Status.DebugException);
    }

    [Fact]
    public async Task Unary_MissingStatusIsAnError()
    {
        _server.Raw(NamespacesPath, (ctx, _) => FakeGrpcServer.WriteMessageAsync(ctx, new ListNamespacesResponse().ToByteArray()));
        using var channel = Channel(TimeSpan.FromSeconds(5));

        // Grpc.Net.Client says Cancelled for a response without grpc-status; it stays a failed
        // call (GrpcCallException), never a cancellation of ours.
        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ListNamespacesAsync(channel));

        Assert.Equal(StatusCode.Cancelled, ex.StatusCode);
        Assert.Contains("grpc-status", ex.StatusMessage, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_TwoMessagesForAUnaryCallIsAnError()
    {
        _server.Raw(ContainersPath, async (ctx, _) =>
        {
            await FakeGrpcServer.WriteMessageAsync(ctx, []);
            await FakeGrpcServer.WriteMessageAsync(ctx, []);
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => new Containers.ContainersClient(channel.CallInvoker).ListAsync(new ListContainersRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_OkWithoutMessageIsAnError()
    {
        _server.Raw(ContainersPath, (ctx, _) =>
        {
            FakeGrpcServer.WriteTrailersOnly(ctx, StatusCode.OK, null);
            return Task.CompletedTask;
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => new Containers.ContainersClient(channel.CallInvoker).ListAsync(new ListContainersRequest()).ResponseAsync);
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_CompressedOrInvalidlyFlaggedMessagesAreErrors()
    {
        using var channel = Channel(TimeSpan.FromSeconds(5));
        foreach (byte[] frame in new[] { new byte[] { 1, 0, 0, 0, 1, 0x08 }, [7, 0, 0, 0, 0] })
        {
            _server.Raw(NamespacesPath, async (ctx, _) =>
            {
                await ctx.Response.Body.WriteAsync(frame);
                FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
            });

            var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ListNamespacesAsync(channel));
            Assert.Equal(StatusCode.Internal, ex.StatusCode);
        }
    }

    [Fact]
    public async Task Unary_AMessageOverTheCapIsRefusedBeforeItIsRead()
    {
        _server.Raw(NamespacesPath, async (ctx, _) =>
        {
            // Declares one byte more than the cap, then sends nothing of it.
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0x04, 0, 0, 0x01 });
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ListNamespacesAsync(channel));

        Assert.Equal(64 * 1024 * 1024, ContainerdChannel.MaxMessageSize);
        Assert.Equal(StatusCode.ResourceExhausted, ex.StatusCode);
    }

    [Fact]
    public async Task Unary_MissingSocketIsUnavailable()
    {
        string absent = Path.Combine(Path.GetTempPath(), $"cfir-absent-{Guid.NewGuid():N}.sock");
        using var channel = new ContainerdChannel(absent, TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => new Api.Version.VersionClient(channel.CallInvoker).VersionAsync(new Empty()).ResponseAsync);

        Assert.Equal(StatusCode.Unavailable, ex.StatusCode);
        Assert.Contains(absent, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unary_ConcurrentCallsShareTheConnection()
    {
        _server.Unary<Empty, VersionResponse>(VersionPath, (_, ctx) => new VersionResponse { Version = ctx.TraceIdentifier });
        using var channel = Channel(TimeSpan.FromSeconds(5));
        var stub = new Api.Version.VersionClient(channel.CallInvoker);

        var all = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => stub.VersionAsync(new Empty()).ResponseAsync));

        Assert.Equal(20, all.Select(r => r.Version).Distinct().Count());
    }

    [Fact]
    public async Task ServerStreaming_HandsOverEveryMessageInOrder()
    {
        _server.Raw(ContainerdMethods.ReadContent, async (ctx, body) =>
        {
            Assert.Equal("sha256:abc", ReadContentRequest.Parser.ParseFrom(body).Digest);
            await ctx.Response.StartAsync();
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 0, Data = ByteString.CopyFromUtf8("hello ") }.ToByteArray());
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 6, Data = ByteString.CopyFromUtf8("world") }.ToByteArray());
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));
        var got = new List<ReadContentResponse>();

        await new ContentClient(new ContentService.ContentClient(channel.CallInvoker)).ReadAsync("default", "sha256:abc", m =>
        {
            got.Add(m);
            return ValueTask.CompletedTask;
        }, default);

        Assert.Equal([0L, 6L], got.Select(m => m.Offset));
        Assert.Equal("hello world", string.Concat(got.Select(m => m.Data.ToStringUtf8())));
        AssertDeadlineSent(_server.Calls.Single(), TimeSpan.FromSeconds(5));
        Assert.Equal("default", _server.Calls.Single().Headers[ContainerdClient.NamespaceHeader]);
    }

    [Fact]
    public async Task ServerStreaming_AnErrorAfterSomeMessagesKeepsThemAndThrowsTheStatus()
    {
        _server.Raw(ContainerdMethods.ReadContent, async (ctx, _) =>
        {
            await ctx.Response.StartAsync();
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 0, Data = ByteString.CopyFromUtf8("part") }.ToByteArray());
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.DataLoss, "blob truncated on disk");
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));
        int messages = 0;

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ReadContentAsync(channel, _ => messages++, default));

        Assert.Equal(1, messages);
        Assert.Equal(StatusCode.DataLoss, ex.StatusCode);
        Assert.Equal("blob truncated on disk", ex.StatusMessage);
        Assert.Equal(ContainerdMethods.ReadContent, ex.Method);
    }

    [Fact]
    public async Task ServerStreaming_AStreamCutInsideAMessageIsAnErrorNotACleanEnd()
    {
        _server.Raw(ContainerdMethods.ReadContent, async (ctx, _) =>
        {
            await ctx.Response.StartAsync();
            await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 0, Data = ByteString.CopyFromUtf8("part") }.ToByteArray());
            await ctx.Response.Body.WriteAsync(new byte[] { 0, 0, 0, 0, 50, 0x10, 0x04 });
            FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
        });
        using var channel = Channel(TimeSpan.FromSeconds(5));
        int messages = 0;

        var ex = await Assert.ThrowsAsync<GrpcCallException>(() => ReadContentAsync(channel, _ => messages++, default));

        Assert.Equal(1, messages);
        Assert.Equal(StatusCode.Internal, ex.StatusCode);
        Assert.Contains("Unexpected end of content while reading the message content", ex.StatusMessage, StringComparison.Ordinal);
        Assert.Contains(_server.SocketPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStreaming_TheDeadlineCoversTheWholeStream()
    {
        _server.Raw(ContainerdMethods.ReadContent, OneChunkThenHangAsync);
        // Long enough for the first chunk to arrive on a busy machine; what is tested is that the
        // deadline also ends a stream that has started.
        using var channel = Channel(TimeSpan.FromSeconds(3));
        int messages = 0;

        var ex = await Assert.ThrowsAsync<GrpcTimeoutException>(() => ReadContentAsync(channel, _ => messages++, default).WaitAsync(TimeSpan.FromSeconds(20)));

        Assert.Equal(1, messages);
        Assert.Equal(ContainerdMethods.ReadContent, ex.Method);
        Assert.Contains(_server.SocketPath, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerStreaming_CallerCancellationIsNotATimeout()
    {
        _server.Raw(ContainerdMethods.ReadContent, OneChunkThenHangAsync);
        using var channel = Channel(TimeSpan.FromSeconds(30));
        using var cancel = new CancellationTokenSource();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ReadContentAsync(channel, _ => cancel.CancelAfter(TimeSpan.FromMilliseconds(100)), cancel.Token).WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.IsNotType<GrpcTimeoutException>(ex);
        Assert.Equal(cancel.Token, ex.CancellationToken);
    }

    [Fact]
    public async Task CallsThatCannotBeBudgetedAreRefused()
    {
        using var channel = Channel(TimeSpan.FromSeconds(5));

        Assert.Throws<NotSupportedException>(() => new Namespaces.NamespacesClient(channel.CallInvoker).List(new ListNamespacesRequest()));
        Assert.Empty(_server.Calls);
    }

    private static Task ReadContentAsync(ContainerdChannel channel, Action<ReadContentResponse> onChunk, CancellationToken cancellationToken) =>
        new ContentClient(new ContentService.ContentClient(channel.CallInvoker)).ReadAsync("default", "sha256:abc", m =>
        {
            onChunk(m);
            return ValueTask.CompletedTask;
        }, cancellationToken);

    private static async Task OneChunkThenHangAsync(Microsoft.AspNetCore.Http.HttpContext ctx, byte[] body)
    {
        await ctx.Response.StartAsync();
        await FakeGrpcServer.WriteMessageAsync(ctx, new ReadContentResponse { Offset = 0, Data = ByteString.CopyFromUtf8("part") }.ToByteArray());
        await HangAsync(ctx, body);
    }

    private static async Task HangAsync(Microsoft.AspNetCore.Http.HttpContext ctx, byte[] body)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // the client gave up: what we wanted
        }
    }

    /// <summary>
    /// The server is told the call's deadline: a well-formed <c>grpc-timeout</c> (at most 8 digits
    /// and a unit, PROTOCOL-HTTP2.md), no longer than the channel's budget. Grpc.Net.Client sends
    /// what is left of the deadline when the request goes out (rounded up to three significant
    /// figures, which a round budget never exceeds), so it is not matched exactly.
    /// </summary>
    private static void AssertDeadlineSent(ReceivedCall call, TimeSpan budget)
    {
        string value = call.Headers["grpc-timeout"];
        Assert.Matches("^[0-9]{1,8}[HMSmun]$", value);
        long amount = long.Parse(value[..^1], CultureInfo.InvariantCulture);
        var sent = value[^1] switch
        {
            'H' => TimeSpan.FromHours(amount),
            'M' => TimeSpan.FromMinutes(amount),
            'S' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMilliseconds(amount),
            'u' => TimeSpan.FromMicroseconds(amount),
            _ => TimeSpan.FromTicks(amount / 100),
        };
        Assert.InRange(sent, budget / 2, budget);
    }
}
