namespace ContainerForensics.Containerd;

/// <summary>
/// containerd's address: a unix socket path, as containerd's <c>--address</c> and
/// <c>CONTAINERD_ADDRESS</c> take it; <c>unix://</c> in front is accepted as ctr and nerdctl
/// accept it. containerd serves its gRPC API on a unix socket only (TCP is an opt-in
/// <c>[grpc] tcp_address</c> without auth, not supported here).
/// </summary>
public static class ContainerdAddress
{
    private const string UnixScheme = "unix://";

    /// <summary>The socket path, or null with the reason the address is not usable.</summary>
    public static string? ToSocketPath(string address, out string? reason)
    {
        reason = null;
        string path = address.StartsWith(UnixScheme, StringComparison.Ordinal) ? address[UnixScheme.Length..] : address;
        if (path.Contains("://", StringComparison.Ordinal))
        {
            reason = $"'{address}' is not a unix socket address (only unix sockets are supported)";
            return null;
        }
        if (!Path.IsPathRooted(path))
        {
            reason = $"'{address}' is not an absolute socket path";
            return null;
        }
        return path;
    }
}
