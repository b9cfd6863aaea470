namespace ContainerForensics.Containerd.Grpc;

/// <summary>The peer broke the gRPC wire format: a cut-off frame, a bad length, a bad status header.</summary>
public sealed class GrpcProtocolException(string message) : Exception(message);
