using System.Threading.Channels;
using ContainerForensics.Containerd.Api.Events;
using ContainerForensics.Containerd.Client;
using ContainerForensics.Containerd.Grpc;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.TestSupport;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Microsoft.AspNetCore.Http;
using StatusCode = Grpc.Core.StatusCode;

namespace ContainerForensics.Containerd.Tests;

/// <summary>containerd's Events.Subscribe as an <see cref="IContainerEventSource"/>: the stand-in server, then the real daemon.</summary>
public sealed class ContainerdEventsTests : IAsyncLifetime
{
    // Short, so the subscription test can outlast it; long enough for a cold connect on a loaded machine.
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    private FakeContainerd _fake = null!;

    public async Task InitializeAsync() => _fake = await FakeContainerd.StartAsync();

    public async Task DisposeAsync() => await _fake.DisposeAsync();

    private Task<ContainerdRuntime> ConnectAsync(string? ns = null) =>
        ContainerdRuntime.ConnectAsync(_fake.SocketPath, new RuntimeSettings { CallTimeout = CallTimeout }.With(ContainerdOptions.Namespace, ns), default);

    private static Envelope Envelope(string topic, IMessage message, string ns = "default", long seconds = 1_795_000_000, int nanos = 123_456_789) => new()
    {
        Timestamp = new Timestamp { Seconds = seconds, Nanos = nanos },
        Namespace = ns,
        Topic = topic,
        // containerd's type URL is the bare message name (github.com/containerd/typeurl).
        Event = new Any { TypeUrl = message.Descriptor.FullName, Value = message.ToByteString() },
    };

    private static readonly Envelope Started = Envelope("/tasks/start", new TaskStart { ContainerId = "c1", Pid = 42 });

    /// <summary>A subscription's response: the envelopes, then what <paramref name="end"/> does.</summary>
    private void Serve(Func<HttpContext, Task> end, params (TimeSpan Delay, Envelope Envelope)[] envelopes) =>
        _fake.Server.Raw(ContainerdMethods.SubscribeEvents, async (ctx, _) =>
        {
            foreach (var (delay, envelope) in envelopes)
            {
                await Task.Delay(delay, ctx.RequestAborted);
                await FakeGrpcServer.WriteMessageAsync(ctx, envelope.ToByteArray());
            }
            await end(ctx);
        });

    private static Task EndOk(HttpContext ctx)
    {
        FakeGrpcServer.WriteTrailers(ctx, StatusCode.OK, null);
        return Task.CompletedTask;
    }

    private static async Task HangAsync(HttpContext ctx)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, ctx.RequestAborted);
        }
        catch (OperationCanceledException)
        {
            // the client went away: what the test wanted
        }
    }

    [Fact]
    public void Mapper_TaskAndContainerEventsInDockersWords()
    {
        var cases = new (Envelope Envelope, string Action, (string Key, string Value)[] Attributes)[]
        {
            (Envelope("/containers/create", new ContainerCreate { Id = "c1", Image = "busybox", Runtime = new() { Name = "io.containerd.runc.v2" } }),
                "create", [("image", "busybox"), ("runtime", "io.containerd.runc.v2")]),
            (Envelope("/tasks/create", new TaskCreate { ContainerId = "c1", Pid = 42 }), "task_create", [("pid", "42")]),
            (Started, "start", [("pid", "42")]),
            (Envelope("/tasks/exec-added", new TaskExecAdded { ContainerId = "c1", ExecId = "e1" }), "exec_create", [("execID", "e1")]),
            (Envelope("/tasks/exec-started", new TaskExecStarted { ContainerId = "c1", ExecId = "e1", Pid = 43 }), "exec_start", [("execID", "e1"), ("pid", "43")]),
            (Envelope("/tasks/exit", new TaskExit { ContainerId = "c1", Id = "e1", Pid = 43, ExitStatus = 0 }), "exec_die", [("execID", "e1"), ("exitCode", "0")]),
            (Envelope("/tasks/oom", new TaskOOM { ContainerId = "c1" }), "oom", []),
            (Envelope("/tasks/exit", new TaskExit { ContainerId = "c1", Id = "c1", Pid = 42, ExitStatus = 137, ExitedAt = new Timestamp { Seconds = 1_795_000_001, Nanos = 5 } }),
                "die", [("exitCode", "137"), ("exitedAt", "2026-11-18T11:06:41.000000005Z")]),
            (Envelope("/tasks/delete", new TaskDelete { ContainerId = "c1", Id = "c1", Pid = 42, ExitStatus = 137 }), "task_delete", [("exitCode", "137")]),
            (Envelope("/containers/delete", new ContainerDelete { Id = "c1" }), "destroy", []),
        };
        foreach (var (envelope, action, attributes) in cases)
        {
            var e = ContainerdEventMapper.ToContainerEvent(envelope);

            Assert.NotNull(e);
            Assert.Equal((envelope.Topic, action), (envelope.Topic, e.Action));
            Assert.Equal("c1", e.ContainerId);
            Assert.Equal("containerd", e.Runtime);
            Assert.Equal(envelope.Topic, e.Attributes["topic"]);
            Assert.Equal("default", e.Attributes["namespace"]);
            Assert.Equal("2026-11-18T11:06:40.123456789Z", e.Time.ToIso8601());
            Assert.Equal(envelope.ToByteArray(), e.Raw.ToArray());
            foreach (var (key, value) in attributes)
            {
                Assert.Equal((action, key, value), (action, key, e.Attributes[key]));
            }
        }
    }

    [Fact]
    public void Mapper_NotAContainerEvent()
    {
        // a topic cfir does not map, an event of another type than its topic says, no container id
        Assert.Null(ContainerdEventMapper.ToContainerEvent(Envelope("/images/create", new ContainerDelete { Id = "x" })));
        Assert.Null(ContainerdEventMapper.ToContainerEvent(Envelope("/tasks/exit", new TaskStart { ContainerId = "c1" })));
        Assert.Null(ContainerdEventMapper.ToContainerEvent(Envelope("/tasks/oom", new TaskOOM())));
        // a host part in the type URL is accepted
        var hosted = Started.Clone();
        hosted.Event.TypeUrl = "type.googleapis.com/containerd.events.TaskStart";
        Assert.Equal("start", ContainerdEventMapper.ToContainerEvent(hosted)?.Action);
    }

    /// <summary>
    /// The subscription outlives the channel's per-call budget (no grpc-timeout is sent, an event
    /// 1.75 budgets later still arrives), asks for task and container topics of every namespace
    /// without a namespace header, and the caller's cancellation ends it as cancellation.
    /// </summary>
    [Fact]
    public async Task Subscribe_HasNoDeadlineAndCancellationIsCancellation()
    {
        Serve(HangAsync, (TimeSpan.Zero, Started), (CallTimeout * 1.75, Envelope("/tasks/oom", new TaskOOM { ContainerId = "c1" })));
        await using var runtime = await ConnectAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30)); // hang guard
        var seen = new List<ContainerEvent>();

        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var e in runtime.WatchAsync(since: null, cts.Token))
            {
                seen.Add(e);
                if (seen.Count == 2)
                {
                    await cts.CancelAsync();
                }
            }
        });

        Assert.Equal(["start", "oom"], seen.Select(e => e.Action));
        Assert.Equal(cts.Token, ex.CancellationToken);
        var call = _fake.Server.Calls.Single(c => c.Path == ContainerdMethods.SubscribeEvents);
        Assert.False(call.Headers.ContainsKey("grpc-timeout"), "a subscription must not carry the per-call deadline");
        Assert.False(call.Headers.ContainsKey(ContainerdClient.NamespaceHeader));
        Assert.Equal(["topic~=\"^/tasks/\"", "topic~=\"^/containers/\""], SubscribeRequest.Parser.ParseFrom(call.Message).Filters);
    }

    [Fact]
    public async Task Subscribe_OneNamespaceIsFiltered()
    {
        Serve(EndOk);
        await using var runtime = await ConnectAsync("k8s.io");

        await foreach (var _ in runtime.WatchAsync(since: null, default))
        {
        }

        var call = _fake.Server.Calls.Single(c => c.Path == ContainerdMethods.SubscribeEvents);
        Assert.Equal(["namespace==\"k8s.io\",topic~=\"^/tasks/\"", "namespace==\"k8s.io\",topic~=\"^/containers/\""],
            SubscribeRequest.Parser.ParseFrom(call.Message).Filters);
    }

    [Fact]
    public async Task Subscribe_TheDaemonEndingTheStreamEndsTheEnumeration()
    {
        Serve(EndOk, (TimeSpan.Zero, Started));
        await using var runtime = await ConnectAsync();

        var seen = await runtime.WatchAsync(since: null, default).ToListAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("start", Assert.Single(seen).Action);
    }

    [Fact]
    public async Task Subscribe_AStreamCutMidwayIsAnError()
    {
        Serve(async ctx =>
        {
            await Task.Delay(200);
            ctx.Abort();
        }, (TimeSpan.Zero, Started));
        await using var runtime = await ConnectAsync();
        var seen = new List<ContainerEvent>();

        var ex = await Assert.ThrowsAsync<GrpcCallException>(async () =>
        {
            await foreach (var e in runtime.WatchAsync(since: null, default).WithCancellation(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token))
            {
                seen.Add(e);
            }
        });

        Assert.Equal("start", Assert.Single(seen).Action);
        Assert.Equal(ContainerdMethods.SubscribeEvents, ex.Method);
        Assert.Equal(_fake.SocketPath, ex.Endpoint);
    }
}

/// <summary>The real daemon: a container that exits 3, seen from subscription to die.</summary>
[Collection("containerd rig")]
public sealed class ContainerdEventsRigTests
{
    [EngineFact(Engine.Containerd)]
    public async Task Watch_SeesAContainerCreatedStartedAndDeadWithItsExitCode()
    {
        await using var ctr = new Ctr();
        var settings = new RuntimeSettings { CallTimeout = TimeSpan.FromSeconds(2) }.With(ContainerdOptions.Address, RigEnvironment.ContainerdAddress);
        await using var runtime = await ContainerdRuntime.ConnectAsync(ctr.Address, settings, default);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(90)); // hang guard
        var events = Channel.CreateUnbounded<ContainerEvent>();
        var reading = Task.Run(async () =>
        {
            await foreach (var e in runtime.WatchAsync(since: null, guard.Token))
            {
                await events.Writer.WriteAsync(e, guard.Token);
            }
        });

        // No replay: only a container created after the subscription is live is seen, so plant
        // markers until one is seen, then the container under test.
        var since = DateTimeOffset.UtcNow;
        while (true)
        {
            string marker = await ctr.CreateAsync("default");
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(guard.Token);
            wait.CancelAfter(TimeSpan.FromSeconds(3));
            if (await NextAsync(events.Reader, e => e.ContainerId == marker, wait.Token) is not null)
            {
                break;
            }
        }
        string id = await ctr.RunShellAsync("default", "exit 3");
        var mine = new List<ContainerEvent>();
        while (mine.LastOrDefault()?.Action != "die")
        {
            mine.Add((await NextAsync(events.Reader, e => e.ContainerId == id, guard.Token))!);
        }
        await guard.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => reading);

        Assert.Equal(["create", "task_create", "start", "die"], mine.Select(e => e.Action));
        Assert.Equal(["/containers/create", "/tasks/create", "/tasks/start", "/tasks/exit"], mine.Select(e => e.Attributes["topic"]));
        Assert.All(mine, e => Assert.Equal("default", e.Attributes["namespace"]));
        Assert.All(mine, e => Assert.Equal("containerd", e.Runtime));
        Assert.Equal("3", mine[^1].Attributes["exitCode"]);
        Assert.Equal(ctr.Image, mine[0].Attributes["image"]);
        Assert.All(mine, e => Assert.InRange(e.Time.ToDateTimeOffset(), since.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5)));
        Assert.Contains(mine, e => e.Time.Nanoseconds % 1000 != 0); // nanoseconds, not micro- or whole seconds
        Assert.All(mine, e => Assert.Equal(e.Attributes["topic"], Envelope.Parser.ParseFrom(e.Raw.ToArray()).Topic));
    }

    private static async Task<ContainerEvent?> NextAsync(ChannelReader<ContainerEvent> reader, Func<ContainerEvent, bool> match, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var e = await reader.ReadAsync(cancellationToken);
                if (match(e))
                {
                    return e;
                }
            }
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }
}
