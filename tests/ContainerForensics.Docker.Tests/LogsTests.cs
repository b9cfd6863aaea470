using System.Diagnostics;
using System.Text;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Tests.Fakes;
using static ContainerForensics.Docker.Tests.Logs.MultiplexedFrames;

namespace ContainerForensics.Docker.Tests;

/// <summary>Streaming a log body from a fake daemon that sends it in chunks, hangs or cuts it.</summary>
public sealed class LogsTests
{
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Logs_stream_in_chunks_and_demultiplex()
    {
        byte[] all = [.. Frame(1, "out\n"), .. Frame(2, "err\n"), .. Frame(1, "more\n")];
        // Chunk boundaries deliberately fall inside headers and payloads.
        var chunks = new[] { all[..5], all[5..15], all[15..] };
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path == "/v1.41/containers/abc/logs" ? FakeResponse.Stream(chunks) : null));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        var since = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_250);
        await using var body = await client.Containers.LogsAsync("abc", since, timestamps: true, CancellationToken.None);
        var (o, e, split) = await SplitTextAsync(body);
        Assert.Null(split.Failure);
        Assert.Equal("out\nmore\n", o);
        Assert.Equal("err\n", e);
        Assert.Contains("GET /v1.41/containers/abc/logs?stdout=1&stderr=1&since=1700000000.250000000&timestamps=1", server.Requests);
    }

    [Fact]
    public async Task Daemon_that_stops_sending_cuts_the_stream_within_the_budget()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Stream([Frame(1, "first\n")], after: FakeBehaviour.Hang)));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        await using var body = await client.Containers.LogsAsync("abc", null, false, CancellationToken.None);
        var sw = Stopwatch.StartNew();
        var (o, _, split) = await SplitTextAsync(body);
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
        var ex = Assert.IsAssignableFrom<IOException>(split.Failure);
        Assert.IsType<DockerTimeoutException>(ex.InnerException);
        Assert.Contains("sent nothing for 2 s", ex.Message, StringComparison.Ordinal);
        Assert.Equal("first\n", o);
    }

    [Fact]
    public async Task A_reader_slower_than_the_budget_between_reads_is_not_a_timeout()
    {
        // The budget is the daemon's silence during a read: one timer serves every read of the
        // stream and must be stopped between them, or a slow consumer looks like a hung daemon.
        byte[] first = Frame(1, "first\n"), second = Frame(2, "second\n");
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Stream([first, second])));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        await using var body = await client.Containers.LogsAsync("abc", null, false, CancellationToken.None);
        byte[] head = new byte[first.Length];
        await body.ReadExactlyAsync(head, CancellationToken.None);
        await Task.Delay(Budget + TimeSpan.FromSeconds(1));
        using var rest = new MemoryStream();
        await body.CopyToAsync(rest, CancellationToken.None);
        Assert.Equal(first, head);
        Assert.Equal(second, rest.ToArray());
    }

    [Fact]
    public async Task Connection_cut_mid_body_is_an_io_error()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ =>
            FakeResponse.Stream([Frame(1, "first\n")], after: FakeBehaviour.Close)));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        await using var body = await client.Containers.LogsAsync("abc", null, false, CancellationToken.None);
        var (o, _, split) = await SplitTextAsync(body);
        Assert.Equal("first\n", o);
        Assert.IsAssignableFrom<IOException>(split.Failure);
        Assert.IsNotType<MultiplexedStreamException>(split.Failure); // the transport's error, not a framing one
    }

    [Fact]
    public async Task Logs_of_a_vanished_container_are_not_found()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.NotFound("No such container: abc")));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        await Assert.ThrowsAsync<DockerNotFoundException>(() => client.Containers.LogsAsync("abc", null, false, CancellationToken.None));
    }

    [Fact]
    public async Task Headers_that_never_come_are_a_timeout()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), _ => FakeResponse.Hang));
        using var client = await FakeDaemon.ConnectAsync(server, Budget);
        var sw = Stopwatch.StartNew();
        await Assert.ThrowsAsync<DockerTimeoutException>(() => client.Containers.LogsAsync("abc", null, false, CancellationToken.None));
        Assert.True(sw.Elapsed < TimeSpan.FromSeconds(10), $"took {sw.Elapsed}");
    }
}
