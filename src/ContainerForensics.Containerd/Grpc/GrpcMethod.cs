using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>
/// One unary or server-streaming RPC: its path (<c>/package.Service/Method</c>) and how to read its response. Built from
/// the proto descriptor, so the path is the one the .proto file declares and the message types
/// are checked against it once, when the method is defined.
/// </summary>
public sealed class GrpcMethod<TRequest, TResponse>
    where TRequest : IMessage<TRequest>, new()
    where TResponse : IMessage<TResponse>, new()
{
    public GrpcMethod(FileDescriptor file, string service, string method)
    {
        var serviceDescriptor = file.Services.SingleOrDefault(s => s.Name == service)
            ?? throw new ArgumentException($"{file.Name} has no service {service}", nameof(service));
        var methodDescriptor = serviceDescriptor.FindMethodByName(method)
            ?? throw new ArgumentException($"{serviceDescriptor.FullName} has no method {method}", nameof(method));
        if (methodDescriptor.IsClientStreaming)
        {
            throw new ArgumentException($"{serviceDescriptor.FullName}/{method} is client-streaming; only unary and server-streaming calls are defined this way", nameof(method));
        }
        IsServerStreaming = methodDescriptor.IsServerStreaming;
        if (methodDescriptor.InputType != new TRequest().Descriptor || methodDescriptor.OutputType != new TResponse().Descriptor)
        {
            throw new ArgumentException($"{serviceDescriptor.FullName}/{method} takes {methodDescriptor.InputType.FullName} and returns {methodDescriptor.OutputType.FullName}", nameof(method));
        }
        Path = "/" + serviceDescriptor.FullName + "/" + methodDescriptor.Name;
    }

    /// <summary>The HTTP/2 :path, e.g. <c>/containerd.services.version.v1.Version/Version</c>.</summary>
    public string Path { get; }

    /// <summary>Whether the server answers with a stream of messages (<c>returns (stream ...)</c>).</summary>
    public bool IsServerStreaming { get; }

    public MessageParser<TResponse> Parser { get; } = new(() => new TResponse());

    public override string ToString() => Path;
}
