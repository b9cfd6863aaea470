using ContainerForensics.Containerd.Api;
using Google.Protobuf.WellKnownTypes;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.version.v1.Version.</summary>
internal sealed class VersionClient(ContainerdClient client)
{
    public Task<VersionResponse> GetAsync(CancellationToken cancellationToken) =>
        client.CallAsync(ContainerdMethods.Version, new Empty(), null, cancellationToken);
}
