using System.Text;
using ContainerForensics.Core.Evidence;
using ContainerForensics.TestSupport;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Logs;
using ContainerForensics.Docker.Tests.Fakes;
using static ContainerForensics.Docker.Tests.MultiplexedStreamReaderTests;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>One standard stream out of the multiplexed stream, strictly: in memory, and from a fake daemon on a unix socket.</summary>
public sealed class DemultiplexingStreamTests
{
    [Fact]
    public async Task Yields_the_payload_of_the_wanted_stream_across_frames_and_reads()
    {
        byte[] body = [.. Frame(1, "one\n"), .. Frame(1, ""), .. Frame(1, "two\n"), .. Frame(1, new string('x', 100_000) + "\n")];
        // Reads of 3 bytes: payloads span reads, reads never span frame headers.
        await using var stream = new DemultiplexingStream(new MemoryStream(body), StdStream.Stdout);
        using var output = new MemoryStream();
        byte[] buffer = new byte[3];
        int n;
        while ((n = await stream.ReadAsync(buffer)) > 0)
        {
            output.Write(buffer, 0, n);
        }
        Assert.Equal("one\ntwo\n" + new string('x', 100_000) + "\n", Encoding.UTF8.GetString(output.ToArray()));
        Assert.Equal(4, stream.Frames);
        Assert.Equal(body.Length, stream.MultiplexedBytes);
        Assert.Equal(output.Length, stream.PayloadBytes);
        Assert.Equal(0, await stream.ReadAsync(buffer)); // stays at its end
    }

    [Fact]
    public async Task Stderr_stream_yields_stderr_frames()
    {
        await using var stream = new DemultiplexingStream(new MemoryStream([.. Frame(2, "e1\n"), .. Frame(2, "e2\n")]), StdStream.Stderr);
        using var reader = new StreamReader(stream);
        Assert.Equal("e1\ne2\n", await reader.ReadToEndAsync());
    }

    [Fact]
    public async Task Stdin_frames_count_as_stdout_as_stdcopy_does()
    {
        await using var stream = new DemultiplexingStream(new MemoryStream([.. Frame(0, "in\n"), .. Frame(1, "out\n")]), StdStream.Stdout);
        using var reader = new StreamReader(stream);
        Assert.Equal("in\nout\n", await reader.ReadToEndAsync());
    }

    [Theory]
    [InlineData(1, "stdout", StdStream.Stderr)]
    [InlineData(2, "stderr", StdStream.Stdout)]
    public async Task A_frame_of_the_other_stream_is_an_error_after_what_came_before(byte other, string otherName, StdStream wanted)
    {
        byte want = (byte)wanted;
        byte[] body = [.. Frame(want, "ok\n"), .. Frame(other, "stray\n"), .. Frame(want, "later\n")];
        var (before, ex) = await ReadUntilFailureAsync(new DemultiplexingStream(new MemoryStream(body), wanted));
        Assert.Equal("ok\n", before);
        var mux = Assert.IsType<MultiplexedStreamException>(ex);
        Assert.Equal(11, mux.Offset);
        Assert.Contains($"a {otherName} frame (6 bytes) at offset 11", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Unknown_stream_type_is_an_error()
    {
        var (before, ex) = await ReadUntilFailureAsync(new DemultiplexingStream(new MemoryStream([.. Frame(1, "a\n"), .. Frame(7, "b\n")]), StdStream.Stdout));
        Assert.Equal("a\n", before);
        Assert.Contains("unknown stream type 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Header_cut_short_is_an_error_not_a_clean_end()
    {
        var (before, ex) = await ReadUntilFailureAsync(new DemultiplexingStream(new MemoryStream([.. Frame(1, "a\n"), 1, 0, 0]), StdStream.Stdout));
        Assert.Equal("a\n", before);
        Assert.Contains("cut inside a frame header at offset 10: 3 of 8 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_daemons_error_frame_is_an_error_with_its_message()
    {
        var (before, ex) = await ReadUntilFailureAsync(new DemultiplexingStream(new MemoryStream([.. Frame(1, "a\n"), .. Frame(3, "log file vanished")]), StdStream.Stdout));
        Assert.Equal("a\n", before);
        Assert.Contains("log file vanished", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_failure_sticks()
    {
        await using var stream = new DemultiplexingStream(new MemoryStream([.. Frame(1, "a"), 9]), StdStream.Stdout);
        byte[] buffer = new byte[16];
        Assert.Equal(1, await stream.ReadAsync(buffer));
        var first = await Assert.ThrowsAsync<MultiplexedStreamException>(() => stream.ReadAsync(buffer).AsTask());
        var again = await Assert.ThrowsAsync<MultiplexedStreamException>(() => stream.ReadAsync(buffer).AsTask());
        Assert.Same(first, again);
    }

    /// <summary>Payload bytes that arrived just before the connection broke are handed out before the error, never dropped with it.</summary>
    [Fact]
    public async Task Bytes_read_ahead_before_a_broken_connection_are_not_lost()
    {
        byte[] arrived = [.. Frame(1, "one\n"), .. Frame(1, "two, cut\n")[..11]];
        var (before, ex) = await ReadUntilFailureAsync(new DemultiplexingStream(new BreakingStream(arrived), StdStream.Stdout));
        Assert.Equal("one\ntwo", before);
        Assert.Equal("connection reset", ex.Message);
    }

    [Fact]
    public void Only_stdout_or_stderr_can_be_wanted() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new DemultiplexingStream(Stream.Null, StdStream.Stdin));

    [Fact]
    public async Task Disposing_disposes_the_body_unless_left_open()
    {
        var body = new MemoryStream();
        await new DemultiplexingStream(body, StdStream.Stdout, leaveOpen: true).DisposeAsync();
        Assert.True(body.CanRead);
        await new DemultiplexingStream(body, StdStream.Stdout).DisposeAsync();
        Assert.False(body.CanRead);
    }

    /// <summary>
    /// Scenario (f): a daemon whose stdout body stops inside a frame. Read directly, the stream
    /// ends with the IOException after every payload byte that arrived (the whole frames, and the
    /// start of the cut one: what arrived is kept, the reason says how much is missing); handed to
    /// the writer as streaming content, the entry keeps those bytes and is partial with the reason.
    /// </summary>
    [Fact]
    public async Task Cut_off_frame_from_a_daemon_ends_the_read_with_an_io_exception_after_the_bytes_before_it()
    {
        byte[] cut = Frame(1, "three, never whole\n")[..12];
        byte[][] chunks = [[.. Frame(1, "2026-11-22T02:50:24.072333436Z one\n"), .. Frame(1, "2026-11-22T02:50:24.072368298Z two\n")], cut];
        await using var server = FakeDockerServer.OnUnixSocket(FakeDaemon.Handler(FakeDaemon.DockerVersion(), r =>
            r.Path == "/v1.41/containers/abc/logs" ? FakeResponse.Stream(chunks) : null));
        using var client = await FakeDaemon.ConnectAsync(server, TimeSpan.FromSeconds(5));
        const string whole = "2026-11-22T02:50:24.072333436Z one\n2026-11-22T02:50:24.072368298Z two\n";
        const string expected = whole + "thre";

        // Directly: the exception, and the bytes before it.
        var body = await client.Containers.LogsAsync("abc", stdout: true, stderr: false, since: null, timestamps: true, CancellationToken.None);
        var (before, ex) = await ReadUntilFailureAsync(new DemultiplexingStream(body, StdStream.Stdout));
        Assert.Equal(expected, before);
        var mux = Assert.IsType<MultiplexedStreamException>(ex);
        Assert.Equal(whole.Length + 16, mux.Offset);
        Assert.Contains($"stream cut inside the frame at offset {whole.Length + 16}: 15 of its payload bytes missing", ex.Message, StringComparison.Ordinal);
        Assert.Contains("GET /v1.41/containers/abc/logs?stdout=1&stderr=0&timestamps=1", server.Requests);

        // Through the content the collector hands to the writer: kept, and partial with the reason.
        body = await client.Containers.LogsAsync("abc", stdout: true, stderr: false, since: null, timestamps: true, CancellationToken.None);
        var sink = new RecordingSink();
        var result = await sink.AddAsync(new EvidenceItem
        {
            Section = EvidenceSection.Logs,
            Name = "stdout.log",
            Content = EvidenceContent.FromStream(new DemultiplexingStream(body, StdStream.Stdout)),
        }, CancellationToken.None);
        Assert.Equal(EntryStatus.Partial, result.Status);
        Assert.Equal(expected, sink["stdout.log"].Text);
        Assert.Contains($"stream ended with an error after {expected.Length} bytes: stream cut inside the frame", result.Reason, StringComparison.Ordinal);
    }

    /// <summary>Gives all its bytes in one read, then fails as a connection that broke.</summary>
    private sealed class BreakingStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position == Length)
            {
                throw new IOException("connection reset");
            }
            return base.ReadAsync(buffer, cancellationToken);
        }
    }

    /// <summary>Reads to the end or the first IOException: the text before it and the exception.</summary>
    internal static async Task<(string Before, IOException Exception)> ReadUntilFailureAsync(Stream stream)
    {
        await using (stream)
        {
            using var output = new MemoryStream();
            byte[] buffer = new byte[7];
            try
            {
                int n;
                while ((n = await stream.ReadAsync(buffer)) > 0)
                {
                    output.Write(buffer, 0, n);
                }
            }
            catch (IOException ex)
            {
                return (Encoding.UTF8.GetString(output.ToArray()), ex);
            }
            throw new Xunit.Sdk.XunitException($"no IOException; read to the end: {Encoding.UTF8.GetString(output.ToArray())}");
        }
    }
}
