using ContainerForensics.Containerd.Api;
using ContainerForensics.Containerd.Grpc;
using Google.Protobuf;

namespace ContainerForensics.Containerd.Tests;

public sealed class GrpcFramingTests
{
    [Fact]
    public void Encode_WritesFlagBigEndianLengthAndMessage()
    {
        var message = new VersionResponse { Version = "1.6.20", Revision = "abc" };
        byte[] frame = GrpcFraming.Encode(message);

        byte[] body = message.ToByteArray();
        Assert.Equal(5 + body.Length, frame.Length);
        Assert.Equal(0, frame[0]);
        Assert.Equal(new byte[] { 0, 0, 0, (byte)body.Length }, frame[1..5]);
        Assert.Equal(body, frame[5..]);
    }

    [Fact]
    public void Encode_EmptyMessageIsAHeaderOnly()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, GrpcFraming.Encode(new Google.Protobuf.WellKnownTypes.Empty()));
    }

    [Fact]
    public async Task Reader_ReadsSeveralFramesThenEndsCleanly()
    {
        var a = new VersionResponse { Version = "a" };
        var b = new VersionResponse { Version = new string('b', 300) };
        var stream = new MemoryStream([.. GrpcFraming.Encode(a), .. GrpcFraming.Encode(new Google.Protobuf.WellKnownTypes.Empty()), .. GrpcFraming.Encode(b)]);
        var reader = new GrpcFrameReader(stream);

        Assert.Equal(a, VersionResponse.Parser.ParseFrom(await reader.ReadMessageAsync(default)));
        Assert.Empty((await reader.ReadMessageAsync(default))!);
        Assert.Equal(b, VersionResponse.Parser.ParseFrom(await reader.ReadMessageAsync(default)));
        Assert.Null(await reader.ReadMessageAsync(default));
        Assert.Equal(3, reader.MessagesRead);
    }

    [Fact]
    public async Task Reader_AssemblesFramesFromOneByteReads()
    {
        var a = new VersionResponse { Version = "1.7.0", Revision = "r" };
        var reader = new GrpcFrameReader(new TrickleStream([.. GrpcFraming.Encode(a), .. GrpcFraming.Encode(a)]));

        Assert.Equal(a, VersionResponse.Parser.ParseFrom(await reader.ReadMessageAsync(default)));
        Assert.Equal(a, VersionResponse.Parser.ParseFrom(await reader.ReadMessageAsync(default)));
        Assert.Null(await reader.ReadMessageAsync(default));
    }

    [Fact]
    public async Task Reader_EmptyBodyIsACleanEnd()
    {
        Assert.Null(await new GrpcFrameReader(new MemoryStream()).ReadMessageAsync(default));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task Reader_CutOffHeaderIsAnError(int keep)
    {
        byte[] frame = GrpcFraming.Encode(new VersionResponse { Version = "x" });
        var reader = new GrpcFrameReader(new MemoryStream(frame[..keep]));

        var ex = await Assert.ThrowsAsync<GrpcProtocolException>(() => reader.ReadMessageAsync(default).AsTask());
        Assert.Contains($"{keep} of 5", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_CutOffMessageIsAnError()
    {
        byte[] frame = GrpcFraming.Encode(new VersionResponse { Version = "1.6.20" });
        var stream = new MemoryStream([.. GrpcFraming.Encode(new VersionResponse()), .. frame[..^2]]);
        var reader = new GrpcFrameReader(stream);

        Assert.NotNull(await reader.ReadMessageAsync(default));
        var ex = await Assert.ThrowsAsync<GrpcProtocolException>(() => reader.ReadMessageAsync(default).AsTask());
        Assert.Contains($"{frame.Length - 7} of {frame.Length - 5}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_RejectsCompressedAndInvalidFlags()
    {
        byte[] compressed = [1, 0, 0, 0, 1, 0x08];
        byte[] invalid = [7, 0, 0, 0, 0];

        await Assert.ThrowsAsync<GrpcProtocolException>(() => new GrpcFrameReader(new MemoryStream(compressed)).ReadMessageAsync(default).AsTask());
        await Assert.ThrowsAsync<GrpcProtocolException>(() => new GrpcFrameReader(new MemoryStream(invalid)).ReadMessageAsync(default).AsTask());
    }

    [Fact]
    public async Task Reader_RejectsALengthOverTheLimitBeforeReadingIt()
    {
        byte[] huge = [0, 0xFF, 0xFF, 0xFF, 0xFF];
        var ex = await Assert.ThrowsAsync<GrpcProtocolException>(() => new GrpcFrameReader(new MemoryStream(huge), maxMessageSize: 1024).ReadMessageAsync(default).AsTask());
        Assert.Contains("over the limit", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Hands out one byte per read, like a slow socket.</summary>
    private sealed class TrickleStream(byte[] data) : MemoryStream(data)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(1, buffer.Length)], cancellationToken);
    }
}
