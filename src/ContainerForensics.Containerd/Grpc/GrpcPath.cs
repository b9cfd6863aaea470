using Google.Protobuf.Reflection;

namespace ContainerForensics.Containerd.Grpc;

/// <summary>An RPC's path, <c>/package.Service/Method</c>, for the records that name a call.</summary>
internal static class GrpcPath
{
    /// <summary>Taken from the generated service descriptor, so it is the one the .proto declares; an unknown method throws.</summary>
    public static string Of(ServiceDescriptor service, string method)
    {
        var m = service.FindMethodByName(method) ?? throw new ArgumentException($"{service.FullName} has no method {method}", nameof(method));
        return "/" + service.FullName + "/" + m.Name;
    }
}
