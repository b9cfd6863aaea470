using ContainerForensics.Containerd.Api.Images;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.images.v1.Images: image names and the descriptors they point at.</summary>
internal sealed class ImagesClient(Images.ImagesClient stub)
{
    public Task<ListImagesResponse> ListAsync(string ns, CancellationToken cancellationToken) =>
        stub.ListAsync(new ListImagesRequest(), ContainerdClient.In(ns), cancellationToken: cancellationToken).ResponseAsync;
}
