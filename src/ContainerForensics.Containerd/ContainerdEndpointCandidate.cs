namespace ContainerForensics.Containerd;

/// <summary>One place a containerd may answer, and where that place came from.</summary>
/// <param name="Source">Why it is tried: <c>--containerd-address</c>, <c>CONTAINERD_ADDRESS</c>, default, docker, rootless.</param>
/// <param name="Address">The address as given: a socket path, possibly with <c>unix://</c>.</param>
public sealed record ContainerdEndpointCandidate(string Source, string Address);
