using ContainerForensics.Containerd.Api;
using Google.Protobuf.WellKnownTypes;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.version.v1.Version.</summary>
internal sealed class VersionClient(Api.Version.VersionClient stub)
{
    public Task<VersionResponse> GetAsync(CancellationToken cancellationToken) =>
        stub.VersionAsync(new Empty(), cancellationToken: cancellationToken).ResponseAsync;
}
