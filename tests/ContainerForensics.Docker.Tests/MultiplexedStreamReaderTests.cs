using System.Text;
using ContainerForensics.Docker.Api;

namespace ContainerForensics.Docker.Tests;

public sealed class MultiplexedStreamReaderTests
{
    internal static byte[] Frame(byte type, string payload) => Frame(type, Encoding.UTF8.GetBytes(payload));

    internal static byte[] Frame(byte type, byte[] payload)
    {
        var f = new byte[8 + payload.Length];
        f[0] = type;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(f.AsSpan(4), (uint)payload.Length);
        payload.CopyTo(f, 8);
        return f;
    }

    private static async Task<(string Out, string Err)> Demux(byte[] data, int readSize = int.MaxValue)
    {
        var reader = new MultiplexedStreamReader(new TrickleStream(data, readSize));
        using var stdout = new MemoryStream();
        using var stderr = new MemoryStream();
        await reader.CopyToAsync(stdout, stderr, CancellationToken.None);
        return (Encoding.UTF8.GetString(stdout.ToArray()), Encoding.UTF8.GetString(stderr.ToArray()));
    }

    [Theory]
    [InlineData(int.MaxValue)]
    [InlineData(1)]
    [InlineData(3)]
    public async Task Splits_stdout_and_stderr_whatever_the_read_sizes(int readSize)
    {
        byte[] data = [.. Frame(1, "out 1\n"), .. Frame(2, "err 1\n"), .. Frame(1, "out 2\n"), .. Frame(0, "in\n")];
        var (o, e) = await Demux(data, readSize);
        Assert.Equal("out 1\nout 2\nin\n", o);
        Assert.Equal("err 1\n", e);
    }

    [Fact]
    public async Task Empty_stream_and_empty_frames_are_fine()
    {
        Assert.Equal(("", ""), await Demux([]));
        Assert.Equal(("", "x"), await Demux([.. Frame(1, ""), .. Frame(2, "x")]));
    }

    [Fact]
    public async Task Frames_report_type_length_and_offset()
    {
        byte[] data = [.. Frame(2, "abc"), .. Frame(1, "de")];
        var reader = new MultiplexedStreamReader(new MemoryStream(data));
        var first = await reader.NextFrameAsync(CancellationToken.None);
        Assert.Equal(new MultiplexedFrame(StdStream.Stderr, 3, 0), first);
        // Not reading the payload: the next frame skips it.
        var second = await reader.NextFrameAsync(CancellationToken.None);
        Assert.Equal(new MultiplexedFrame(StdStream.Stdout, 2, 11), second);
        var buf = new byte[10];
        Assert.Equal(2, await reader.ReadPayloadAsync(buf, CancellationToken.None));
        Assert.Equal(0, await reader.ReadPayloadAsync(buf, CancellationToken.None));
        Assert.Null(await reader.NextFrameAsync(CancellationToken.None));
        Assert.Equal(data.Length, reader.Position);
    }

    [Fact]
    public async Task Large_frame_length_uses_all_four_bytes_big_endian()
    {
        var payload = new byte[70_000];
        Random.Shared.NextBytes(payload);
        var reader = new MultiplexedStreamReader(new MemoryStream(Frame(1, payload)));
        using var o = new MemoryStream();
        await reader.CopyToAsync(o, Stream.Null, CancellationToken.None);
        Assert.Equal(payload, o.ToArray());
    }

    [Theory]
    [InlineData(4)]
    [InlineData(9)]
    [InlineData(255)]
    public async Task Unknown_stream_type_is_an_error(byte type)
    {
        byte[] data = [.. Frame(1, "ok\n"), .. Frame(type, "??")];
        var ex = await Assert.ThrowsAsync<MultiplexedStreamException>(() => Demux(data));
        Assert.Contains($"unknown stream type {type}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(11, ex.Offset);
    }

    [Fact]
    public async Task Error_frame_carries_the_daemons_message()
    {
        byte[] data = [.. Frame(1, "ok\n"), .. Frame(3, "error from daemon in stream: log file rotated\n")];
        var ex = await Assert.ThrowsAsync<MultiplexedStreamException>(() => Demux(data));
        Assert.Contains("the daemon reported an error in the stream at offset 11: error from daemon in stream: log file rotated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Non_zero_reserved_bytes_are_an_error()
    {
        var bad = Frame(1, "x");
        bad[2] = 1;
        var ex = await Assert.ThrowsAsync<MultiplexedStreamException>(() => Demux(bad));
        Assert.Contains("non-zero reserved bytes", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    public async Task Cut_header_is_an_error(int headerBytes)
    {
        byte[] data = [.. Frame(1, "ok\n"), .. Frame(2, "lost").AsSpan(0, headerBytes)];
        var ex = await Assert.ThrowsAsync<MultiplexedStreamException>(() => Demux(data));
        Assert.Contains($"stream cut inside a frame header at offset 11: {headerBytes} of 8 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cut_payload_is_an_error_and_what_came_before_stays()
    {
        byte[] data = [.. Frame(1, "kept\n"), .. Frame(2, "cut short").AsSpan(0, 8 + 3)];
        var reader = new MultiplexedStreamReader(new MemoryStream(data));
        using var o = new MemoryStream();
        using var e = new MemoryStream();
        var ex = await Assert.ThrowsAsync<MultiplexedStreamException>(() => reader.CopyToAsync(o, e, CancellationToken.None));
        Assert.Contains("stream cut inside the frame at offset 13: 6 of its payload bytes missing", ex.Message, StringComparison.Ordinal);
        Assert.Equal("kept\n", Encoding.UTF8.GetString(o.ToArray()));
        Assert.Equal("cut", Encoding.UTF8.GetString(e.ToArray()));
    }

    [Fact]
    public void Format_errors_are_io_errors()
    {
        // A cut log stream is partial evidence: EvidenceContent.FromStream keeps what arrived on IOException.
        Assert.IsAssignableFrom<IOException>(new MultiplexedStreamException("x", 0));
    }

    /// <summary>Returns at most readSize bytes per read, as a socket may.</summary>
    private sealed class TrickleStream(byte[] data, int readSize) : MemoryStream(data)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, readSize));

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, readSize)], cancellationToken);
    }
}
