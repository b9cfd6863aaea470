using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// The outcome of a call as the server states it in <c>grpc-status</c> and <c>grpc-message</c>:
/// in the trailers after the messages, or in the headers of a "trailers-only" response (an error
/// without any message). See https://github.com/grpc/grpc/blob/master/doc/PROTOCOL-HTTP2.md.
/// </summary>
public readonly record struct GrpcStatus(GrpcStatusCode Code, string Message)
{
    public const string StatusHeader = "grpc-status";
    public const string MessageHeader = "grpc-message";

    public bool IsOk => Code == GrpcStatusCode.OK;

    /// <summary>
    /// Reads the status from one header block. False when the block has no <c>grpc-status</c>;
    /// throws <see cref="GrpcProtocolException"/> for one that is not a single decimal number.
    /// </summary>
    public static bool TryRead(HttpHeaders headers, out GrpcStatus status)
    {
        status = default;
        if (!headers.TryGetValues(StatusHeader, out var values))
        {
            return false;
        }
        var all = values.ToList();
        if (all.Count != 1 || !int.TryParse(all[0], NumberStyles.None, CultureInfo.InvariantCulture, out int code))
        {
            throw new GrpcProtocolException($"invalid {StatusHeader} '{string.Join(",", all)}'");
        }
        string message = headers.TryGetValues(MessageHeader, out var messages) ? DecodeMessage(string.Join(",", messages)) : "";
        status = new GrpcStatus((GrpcStatusCode)code, message);
        return true;
    }

    /// <summary>
    /// <c>grpc-message</c> is percent-encoded UTF-8 (PROTOCOL-HTTP2.md); '+' is not a space there.
    /// A malformed escape is kept as it is rather than losing the daemon's words.
    /// </summary>
    public static string DecodeMessage(string raw)
    {
        try
        {
            return Uri.UnescapeDataString(raw);
        }
        catch (UriFormatException)
        {
            return raw;
        }
    }

    /// <summary>The status a client infers from an HTTP status when the server sent no gRPC status (the spec's table).</summary>
    public static GrpcStatusCode FromHttpStatus(HttpStatusCode status) => status switch
    {
        HttpStatusCode.BadRequest => GrpcStatusCode.Internal,
        HttpStatusCode.Unauthorized => GrpcStatusCode.Unauthenticated,
        HttpStatusCode.Forbidden => GrpcStatusCode.PermissionDenied,
        HttpStatusCode.NotFound => GrpcStatusCode.Unimplemented,
        HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => GrpcStatusCode.Unavailable,
        _ => GrpcStatusCode.Unknown,
    };

    public override string ToString() => Message.Length == 0 ? Code.ToString() : $"{Code}: {Message}";
}
