using System.Net;
using System.Net.Http.Headers;
using ContainerForensics.Containerd.Grpc;

namespace ContainerForensics.Containerd.Tests;

public sealed class GrpcStatusTests
{
    [Fact]
    public void TryRead_NoStatusHeader()
    {
        Assert.False(GrpcStatus.TryRead(Headers(), out _));
    }

    [Fact]
    public void TryRead_CodeAndPercentEncodedMessage()
    {
        var headers = Headers(("grpc-status", "5"), ("grpc-message", "container%20%22c1%22%20in%20namespace%20%22default%22:%20not%20found%20%E2%9C%93"));

        Assert.True(GrpcStatus.TryRead(headers, out var status));
        Assert.Equal(GrpcStatusCode.NotFound, status.Code);
        Assert.Equal("container \"c1\" in namespace \"default\": not found ✓", status.Message);
        Assert.False(status.IsOk);
    }

    [Fact]
    public void TryRead_OkWithoutMessage()
    {
        Assert.True(GrpcStatus.TryRead(Headers(("grpc-status", "0")), out var status));
        Assert.True(status.IsOk);
        Assert.Equal("", status.Message);
    }

    [Fact]
    public void TryRead_KeepsPlusAndUnknownCodes()
    {
        Assert.True(GrpcStatus.TryRead(Headers(("grpc-status", "42"), ("grpc-message", "a+b")), out var status));
        Assert.Equal((GrpcStatusCode)42, status.Code);
        Assert.Equal("a+b", status.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("ok")]
    [InlineData("-1")]
    [InlineData(" 5")]
    public void TryRead_InvalidStatusIsAProtocolError(string value)
    {
        Assert.Throws<GrpcProtocolException>(() => GrpcStatus.TryRead(Headers(("grpc-status", value)), out _));
    }

    [Fact]
    public void DecodeMessage_KeepsAMalformedEscape()
    {
        Assert.Equal("100%", GrpcStatus.DecodeMessage("100%"));
    }

    [Theory]
    [InlineData(HttpStatusCode.NotFound, GrpcStatusCode.Unimplemented)]
    [InlineData(HttpStatusCode.ServiceUnavailable, GrpcStatusCode.Unavailable)]
    [InlineData(HttpStatusCode.Forbidden, GrpcStatusCode.PermissionDenied)]
    [InlineData(HttpStatusCode.InternalServerError, GrpcStatusCode.Unknown)]
    public void FromHttpStatus_FollowsTheSpec(HttpStatusCode http, GrpcStatusCode expected)
    {
        Assert.Equal(expected, GrpcStatus.FromHttpStatus(http));
    }

    private static HttpHeaders Headers(params (string Name, string Value)[] values)
    {
        var headers = new HttpResponseMessage().TrailingHeaders;
        foreach (var (name, value) in values)
        {
            headers.TryAddWithoutValidation(name, value);
        }
        return headers;
    }
}
