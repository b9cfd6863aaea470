using ContainerForensics.Containerd.Api.Images;

namespace ContainerForensics.Containerd.Client;

/// <summary>containerd.services.images.v1.Images: image names and the descriptors they point at.</summary>
internal sealed class ImagesClient(ContainerdClient client)
{
    public Task<ListImagesResponse> ListAsync(string ns, CancellationToken cancellationToken) =>
        client.CallAsync(ContainerdMethods.ListImages, new ListImagesRequest(), ns, cancellationToken);
}
