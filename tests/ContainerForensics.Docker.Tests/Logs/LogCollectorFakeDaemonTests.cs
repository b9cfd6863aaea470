using System.Text.Json;
using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Core.Runtimes;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Runtime;
using ContainerForensics.Docker.Tests.Fakes;
using static ContainerForensics.Docker.Tests.Logs.MultiplexedFrames;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>
/// The logs phase against a fake daemon, for what a real engine will not do on demand: cut a
/// stream, lose the container mid-stream, refuse a log driver.
/// </summary>
public sealed class LogCollectorFakeDaemonTests : IDisposable
{
    private const string Id = "abc";
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("cfir-logs-fake-");
    private readonly RecordingSink _sink = new();
    private static readonly ContainerInfo Container = new() { Runtime = "docker", Id = Id, Name = "web", State = "exited" };

    public void Dispose()
    {
        _dir.Delete(recursive: true);
    }

    private static string Inspect(bool tty = false, string driver = "json-file", string logPath = "", string state = "exited") =>
        JsonSerializer.Serialize(new
        {
            Id,
            Name = "/web",
            State = new { Status = state },
            Config = new { Tty = tty },
            HostConfig = new { LogConfig = new { Type = driver, Config = new { } } },
            LogPath = logPath,
        });

    private static async Task<DockerRuntime> RuntimeAsync(FakeDockerServer server) => new(await FakeDaemon.ConnectAsync(server, TimeSpan.FromSeconds(5)));

    /// <summary>The logs collector alone: the logs phase also asks for the layer's diff after it (ChangesCollectorTests).</summary>
    private Task CollectAsync(DockerRuntime runtime, CollectionOptions? options = null) =>
        new DockerLogCollector(runtime.Client, new ContainerInspects(runtime.Client)).CollectAsync(Container, _sink, options ?? new CollectionOptions(), CancellationToken.None);

    [Fact]
    public async Task Without_a_tty_stdout_and_stderr_come_from_one_call_demultiplexed_with_timestamps_and_since()
    {
        string logPath = Path.Combine(_dir.FullName, "abc-json.log");
        await File.WriteAllTextAsync(logPath, """{"log":"out\n","stream":"stdout","time":"2026-11-22T02:50:24.072333436Z"}""" + "\n");
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => FakeResponse.Json(Inspect(logPath: logPath)),
            // Interleaved, and cut across chunks anywhere: in a header, in a payload.
            "/v1.41/containers/abc/logs" when r.Target.Contains("stdout=1&stderr=1", StringComparison.Ordinal) =>
                FakeResponse.Stream(Chunks([.. Frame(1, "t1 out1\n"), .. Frame(2, "t2 err1\n"), .. Frame(0, "t3 in\n"), .. Frame(1, ""), .. Frame(1, "t4 out2\n"), .. Frame(2, "t5 err2\n")], 3, 11, 5)),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);
        var since = DateTimeOffset.FromUnixTimeMilliseconds(1_795_315_849_250);

        await CollectAsync(runtime, new CollectionOptions { LogsSince = since });

        Assert.Empty(_sink.Errors);
        Assert.Equal(["files/abc-json.log", "stdout.log", "stderr.log"], _sink.Names);
        Assert.All(_sink.Items, i => Assert.Equal(EntryStatus.Collected, i.Status));
        Assert.All(_sink.Items, i => Assert.Equal(EvidenceSection.Logs, i.Item.Section));
        // Stdin frames count as stdout, as moby's stdcopy has it.
        Assert.Equal("t1 out1\nt3 in\nt4 out2\n", _sink["stdout.log"].Text);
        Assert.Equal("t2 err1\nt5 err2\n", _sink["stderr.log"].Text);
        Assert.Equal(await File.ReadAllTextAsync(logPath), _sink["files/abc-json.log"].Text);
        const string Call = "GET /v1.41/containers/abc/logs?stdout=1&stderr=1&since=1795315849.250000000&timestamps=1";
        Assert.Equal(["GET /version", "GET /v1.41/containers/abc/json", Call], server.Requests);
        // The description starts with the call exactly as sent, and says both entries come from it.
        Assert.StartsWith(Call + ": the container's stdout, demultiplexed from this one call for both streams", _sink["stdout.log"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.StartsWith(Call + ": the container's stderr, demultiplexed from this one call for both streams", _sink["stderr.log"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.Contains("at or after 2026-11-22T02:50:49.250000000Z (--logs-since)", _sink["stdout.log"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.Single(_sink.Spools);
        Assert.True(_sink.Spools[0].Disposed);
    }

    /// <summary>The bytes cut into chunks of the given sizes, round and round, as a daemon's writes may fall.</summary>
    private static List<byte[]> Chunks(byte[] body, params int[] sizes)
    {
        var chunks = new List<byte[]>();
        for (int at = 0, i = 0; at < body.Length; i++)
        {
            int n = Math.Min(sizes[i % sizes.Length], body.Length - at);
            chunks.Add(body[at..(at + n)]);
            at += n;
        }
        return chunks;
    }

    [Fact]
    public async Task An_unknown_stream_type_ends_both_logs_as_partial_with_what_came_before()
    {
        byte[] bad = Frame(1, "bad\n");
        bad[0] = 5;
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => FakeResponse.Json(Inspect()),
            "/v1.41/containers/abc/logs" => FakeResponse.Stream([[.. Frame(1, "out\n"), .. Frame(2, "err\n"), .. bad, .. Frame(1, "after\n")]]),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);

        await CollectAsync(runtime);

        Assert.Equal("out\n", _sink["stdout.log"].Text);
        Assert.Equal("err\n", _sink["stderr.log"].Text);
        foreach (var name in new[] { "stdout.log", "stderr.log" })
        {
            Assert.Equal(EntryStatus.Partial, _sink[name].Status);
            Assert.Contains("the logs call broke after 24 bytes of its multiplexed body (2 frames): unknown stream type 5 in the frame header at offset 24", _sink[name].Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Stderr_past_a_full_spool_is_dropped_and_said_while_stdout_goes_on()
    {
        var sink = new RecordingSink { SpoolCapacity = 6 };
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => FakeResponse.Json(Inspect()),
            "/v1.41/containers/abc/logs" => FakeResponse.Stream([[.. Frame(2, "err1\n"), .. Frame(1, "out1\n"), .. Frame(2, "err2\n"), .. Frame(1, "out2\n")]]),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);

        await new DockerLogCollector(runtime.Client, new ContainerInspects(runtime.Client)).CollectAsync(Container, sink, new CollectionOptions(), CancellationToken.None);

        Assert.Equal(EntryStatus.Collected, sink["stdout.log"].Status);
        Assert.Equal("out1\nout2\n", sink["stdout.log"].Text);
        Assert.Equal(EntryStatus.Partial, sink["stderr.log"].Status);
        Assert.Equal("err1\n", sink["stderr.log"].Text);
        Assert.Contains("stderr kept only to byte 5: the spool refused more (the in-memory spool is full (6 bytes; stderr.log asked for more)); 5 further bytes of stderr were read and dropped",
            sink["stderr.log"].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_a_tty_one_raw_stream_is_tty_log_and_says_the_streams_are_merged()
    {
        byte[] raw = "2026-11-22T02:50:24.455820564Z out1\r\n2026-11-22T02:50:24.455839022Z err1\r\n"u8.ToArray();
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => FakeResponse.Json(Inspect(tty: true)),
            // Bytes that would be a bad frame header: a TTY stream is never parsed as multiplexed.
            "/v1.41/containers/abc/logs" => FakeResponse.Stream([raw[..5], raw[5..]]),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);

        await CollectAsync(runtime);

        Assert.Equal(["files", "tty.log"], _sink.Names);
        Assert.Equal(raw, _sink["tty.log"].Bytes!);
        Assert.Equal(EntryStatus.Collected, _sink["tty.log"].Status);
        Assert.Contains("GET /v1.41/containers/abc/logs?stdout=1&stderr=1&timestamps=1", server.Requests);
        Assert.Contains("stdout and stderr merged by the terminal", _sink["tty.log"].Item.Source!.Description, StringComparison.Ordinal);
        Assert.Equal(EntryStatus.Skipped, _sink["files"].Status);
        Assert.Equal("log driver json-file: no file on disk (LogPath is empty)", _sink["files"].Reason);
    }

    [Fact]
    public async Task A_cut_off_frame_keeps_what_arrived_in_both_logs_as_partial_and_the_phase_goes_on()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => FakeResponse.Json(Inspect()),
            "/v1.41/containers/abc/logs" => FakeResponse.Stream([[.. Frame(1, "whole\n"), .. Frame(2, "err\n"), .. Frame(1, "never whole\n")[..10]]]),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);

        await CollectAsync(runtime);

        var stdout = _sink["stdout.log"];
        // Every byte that arrived is kept, the start of the cut frame included.
        Assert.Equal("whole\nne", stdout.Text);
        Assert.Equal("err\n", _sink["stderr.log"].Text);
        foreach (var name in new[] { "stdout.log", "stderr.log" })
        {
            Assert.Equal(EntryStatus.Partial, _sink[name].Status);
            Assert.Contains("the logs call broke after 36 bytes of its multiplexed body (3 frames): stream cut inside the frame at offset 26: 10 of its payload bytes missing; " +
                "what arrived before is kept, in stdout.log and stderr.log", _sink[name].Reason, StringComparison.Ordinal);
        }
        // Still there (inspect answers): the phase ends normally.
        Assert.Equal(2, server.Requests.Count(r => r == "GET /v1.41/containers/abc/json"));
        Assert.Single(server.Requests, r => r.Contains("/logs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_container_that_vanishes_mid_stream_keeps_what_arrived_in_both_logs_and_is_gone()
    {
        int inspections = 0;
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => Interlocked.Increment(ref inspections) == 1 ? FakeResponse.Json(Inspect()) : FakeResponse.NotFound("No such container: abc"),
            // The daemon drops the connection in the middle of a frame, as when the container is removed.
            "/v1.41/containers/abc/logs" => FakeResponse.Stream([[.. Frame(1, "before\n"), .. Frame(2, "oops\n"), .. Frame(1, "after\n")[..9]]], after: FakeBehaviour.Close),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);

        var ex = await Assert.ThrowsAsync<ContainerGoneException>(() => CollectAsync(runtime));

        Assert.Equal(Id, ex.ContainerId);
        Assert.Contains("No such container: abc", ex.Message, StringComparison.Ordinal);
        Assert.Equal(["files", "stdout.log", "stderr.log"], _sink.Names);
        Assert.Equal("before\na", _sink["stdout.log"].Text);
        Assert.Equal("oops\n", _sink["stderr.log"].Text);
        Assert.All(_sink.Items.Skip(1), i => Assert.Equal(EntryStatus.Partial, i.Status));
        Assert.Equal(_sink["stdout.log"].Reason, _sink["stderr.log"].Reason);
        Assert.Single(server.Requests, r => r.Contains("/logs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Logs_of_a_container_removed_before_the_call_are_gone()
    {
        int inspections = 0;
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" when Interlocked.Increment(ref inspections) == 1 => FakeResponse.Json(Inspect()),
            _ => FakeResponse.NotFound("No such container: abc"),
        }));
        await using var runtime = await RuntimeAsync(server);
        var ex = await Assert.ThrowsAsync<ContainerGoneException>(() => CollectAsync(runtime));
        Assert.IsType<DockerNotFoundException>(ex.InnerException);
        Assert.Equal(["files"], _sink.Names);
    }

    [Fact]
    public async Task A_driver_the_daemon_cannot_read_is_a_failed_item_with_its_message()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => FakeResponse.Json(Inspect(driver: "journald")),
            // What dockerd 20.10 answers when journald is not running (seen on the rig).
            "/v1.41/containers/abc/logs" => FakeResponse.Json("""{"message":"journald is not enabled on this host"}""", System.Net.HttpStatusCode.InternalServerError),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);

        await CollectAsync(runtime);

        Assert.Equal(["files", "stdout.log", "stderr.log"], _sink.Names);
        Assert.Equal("log driver journald: no file on disk (LogPath is empty)", _sink["files"].Reason);
        Assert.Equal(EntryStatus.Skipped, _sink["files"].Status);
        foreach (var name in new[] { "stdout.log", "stderr.log" })
        {
            Assert.Equal(EntryStatus.Failed, _sink[name].Status);
            Assert.Contains("HTTP 500 InternalServerError: journald is not enabled on this host", _sink[name].Reason, StringComparison.Ordinal);
            Assert.Null(_sink[name].Bytes);
        }
    }

    [Fact]
    public async Task Log_driver_none_is_skipped_without_asking()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path == "/v1.41/containers/abc/json" ? FakeResponse.Json(Inspect(driver: "none")) : null));
        await using var runtime = await RuntimeAsync(server);

        await CollectAsync(runtime);

        Assert.Equal(["files", "stdout.log", "stderr.log"], _sink.Names);
        Assert.All(_sink.Items, i => Assert.Equal(EntryStatus.Skipped, i.Status));
        Assert.Equal("log driver none: the engine keeps no logs of this container", _sink["stdout.log"].Reason);
        Assert.DoesNotContain(server.Requests, r => r.Contains("/logs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_container_that_never_ran_has_no_log_file_yet()
    {
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r => r.Path switch
        {
            "/v1.41/containers/abc/json" => FakeResponse.Json(Inspect(state: "created")),
            "/v1.41/containers/abc/logs" => FakeResponse.Stream([]),
            _ => null,
        }));
        await using var runtime = await RuntimeAsync(server);

        await CollectAsync(runtime);

        Assert.Equal(EntryStatus.Skipped, _sink["files"].Status);
        Assert.Equal("LogPath is empty: the container has never run, so the json-file log driver has written no file yet", _sink["files"].Reason);
        Assert.Equal(0, _sink["stdout.log"].BytesRead);
        Assert.Equal(EntryStatus.Collected, _sink["stdout.log"].Status);
    }
}
