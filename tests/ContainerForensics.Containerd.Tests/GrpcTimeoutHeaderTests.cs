using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Tests;

public sealed class GrpcTimeoutHeaderTests
{
    [Fact]
    public void Format_MillisecondsRoundedUp()
    {
        Assert.Equal("15000m", GrpcTimeoutHeader.Format(TimeSpan.FromSeconds(15)));
        Assert.Equal("2m", GrpcTimeoutHeader.Format(TimeSpan.FromTicks(TimeSpan.TicksPerMillisecond + 1)));
        Assert.Equal("1n", GrpcTimeoutHeader.Format(TimeSpan.Zero));
    }

    [Fact]
    public void Format_AtMostEightDigits()
    {
        Assert.Equal("99999999m", GrpcTimeoutHeader.Format(TimeSpan.FromMilliseconds(99_999_999)));
        Assert.Equal("100000S", GrpcTimeoutHeader.Format(TimeSpan.FromMilliseconds(100_000_000)));
        Assert.Equal("99999999H", GrpcTimeoutHeader.Format(TimeSpan.MaxValue));
    }
}
