using System.Text;
using ContainerForensics.Docker.Api;
using ContainerForensics.Docker.Logs;
using static ContainerForensics.Docker.Tests.Logs.MultiplexedFrames;

namespace ContainerForensics.Docker.Tests.Logs;

/// <summary>
/// The strict framing rules of a logs body, on the collector's own splitter: stdout and stderr
/// apart whatever the reads, the daemon's error frame, a header or payload cut short, an unknown
/// type or reserved bytes set, a broken connection. A failure is data (<see cref="LogSplit.Failure"/>),
/// after every payload byte that arrived before it.
/// </summary>
public sealed class LogStreamSplitterTests
{
    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Splits_stdout_and_stderr_whatever_the_read_sizes(int readSize)
    {
        byte[] data = [.. Frame(1, "out 1\n"), .. Frame(2, "err 1\n"), .. Frame(1, "out 2\n"), .. Frame(0, "in\n")];
        var (o, e, split) = await SplitTextAsync(new TrickleStream(data, readSize));
        Assert.Null(split.Failure);
        Assert.Equal("out 1\nout 2\nin\n", o); // stdin frames count as stdout, as moby's stdcopy does
        Assert.Equal("err 1\n", e);
        Assert.Equal(4, split.Frames);
        Assert.Equal(data.Length, split.MultiplexedBytes);
        Assert.Equal(o.Length, split.StdoutBytes);
        Assert.Equal(e.Length, split.StderrBytes);
    }

    [Fact]
    public async Task Empty_body_and_empty_frames_are_fine()
    {
        var (o, e, split) = await SplitTextAsync(new MemoryStream());
        Assert.Equal(("", ""), (o, e));
        Assert.Null(split.Failure);
        (o, e, split) = await SplitTextAsync(new MemoryStream([.. Frame(1, ""), .. Frame(2, "x")]));
        Assert.Equal(("", "x"), (o, e));
        Assert.Equal(2, split.Frames);
    }

    [Fact]
    public async Task Frames_larger_than_a_read_and_than_the_pipe_use_all_four_length_bytes()
    {
        var payload = new byte[300_000]; // 0x000493E0: three length bytes in use, more than the pipe holds before it waits
        Random.Shared.NextBytes(payload);
        var (o, _, split) = await SplitAsync(new MemoryStream([.. Frame(1, payload), .. Frame(2, "after")]));
        Assert.Null(split.Failure);
        Assert.Equal(payload, o);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(255)]
    public async Task Unknown_stream_type_ends_the_split_after_what_came_before(byte type)
    {
        var (o, _, split) = await SplitTextAsync(new MemoryStream([.. Frame(1, "ok\n"), .. Frame(type, "??")]));
        Assert.Equal("ok\n", o);
        var ex = Assert.IsType<MultiplexedStreamException>(split.Failure);
        Assert.Contains($"unknown stream type {type}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(11, ex.Offset);
        Assert.Equal(11, split.MultiplexedBytes);
    }

    [Fact]
    public async Task The_daemons_error_frame_ends_the_split_with_its_message()
    {
        var (o, _, split) = await SplitTextAsync(new TrickleStream([.. Frame(1, "ok\n"), .. Frame(3, "error from daemon in stream: log file rotated\n")], 5));
        Assert.Equal("ok\n", o);
        var ex = Assert.IsType<MultiplexedStreamException>(split.Failure);
        Assert.Contains("the daemon reported an error in the stream at offset 11: error from daemon in stream: log file rotated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_zero_reserved_bytes_end_the_split()
    {
        var bad = Frame(1, "x");
        bad[2] = 1;
        var (o, _, split) = await SplitTextAsync(new MemoryStream(bad));
        Assert.Equal("", o);
        Assert.Contains("non-zero reserved bytes", Assert.IsType<MultiplexedStreamException>(split.Failure).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public async Task A_header_cut_short_is_a_failure_not_a_clean_end(int headerBytes)
    {
        var (o, _, split) = await SplitTextAsync(new MemoryStream([.. Frame(1, "ok\n"), .. Frame(2, "lost").AsSpan(0, headerBytes)]));
        Assert.Equal("ok\n", o);
        Assert.Contains($"stream cut inside a frame header at offset 11: {headerBytes} of 8 bytes", Assert.IsType<MultiplexedStreamException>(split.Failure).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_payload_cut_short_keeps_its_start_and_what_came_before()
    {
        var (o, e, split) = await SplitTextAsync(new MemoryStream([.. Frame(1, "kept\n"), .. Frame(2, "cut short").AsSpan(0, 8 + 3)]));
        Assert.Equal("kept\n", o);
        Assert.Equal("cut", e);
        Assert.Contains("stream cut inside the frame at offset 13: 6 of its payload bytes missing", Assert.IsType<MultiplexedStreamException>(split.Failure).Message, StringComparison.Ordinal);
    }

    /// <summary>Payload bytes that arrived just before the connection broke are split, never dropped with the error.</summary>
    [Fact]
    public async Task Bytes_that_arrived_before_a_broken_connection_are_kept()
    {
        var (o, _, split) = await SplitTextAsync(new BreakingStream([.. Frame(1, "one\n"), .. Frame(1, "two, cut\n")[..11]]));
        Assert.Equal("one\ntwo", o);
        Assert.Equal("connection reset", split.Failure!.Message);
        Assert.IsNotType<MultiplexedStreamException>(split.Failure);
    }

    /// <summary>A stderr spool that refuses more ends stderr, not the split: stdout goes on, the rest of stderr is counted as lost.</summary>
    [Fact]
    public async Task A_full_stderr_spool_loses_stderr_only_and_says_how_much()
    {
        using var spool = new RefusingStream(limit: 4);
        var (o, _, split) = await SplitAsync(new MemoryStream([.. Frame(2, "1234"), .. Frame(1, "out\n"), .. Frame(2, "56789"), .. Frame(1, "more\n")]), spool);
        Assert.Null(split.Failure);
        Assert.Equal("out\nmore\n", Encoding.UTF8.GetString(o));
        Assert.Equal("1234", Encoding.UTF8.GetString(spool.ToArray()));
        Assert.Equal(4, split.StderrBytes);
        Assert.Equal(5, split.StderrBytesLost);
        Assert.Equal("spool full", split.StderrLost);
    }

    [Fact]
    public void Format_errors_are_io_errors()
    {
        // A cut log stream is partial evidence: the content keeps what arrived on IOException.
        Assert.IsAssignableFrom<IOException>(new MultiplexedStreamException("x", 0));
    }

    /// <summary>Returns at most readSize bytes per read, as a socket may.</summary>
    private sealed class TrickleStream(byte[] data, int readSize) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, readSize));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
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

    /// <summary>Takes <paramref name="limit"/> bytes, then refuses writes as a full spool does.</summary>
    private sealed class RefusingStream(int limit) : MemoryStream
    {
        public override void Write(ReadOnlySpan<byte> buffer) => Write(buffer.ToArray(), 0, buffer.Length);

        public override void Write(byte[] buffer, int offset, int count)
        {
            if (Length + count > limit)
            {
                throw new IOException("spool full");
            }
            base.Write(buffer, offset, count);
        }
    }
}
