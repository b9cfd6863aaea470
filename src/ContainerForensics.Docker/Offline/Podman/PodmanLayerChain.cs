using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// A container's whole filesystem from a disk image: its layer chain's diff folders stacked
/// top-down. It is to be Core's layer stack (the merged view of ordered layer folders with
/// whiteouts and opaque directories, shared with Docker's dead-box reader), which is not in
/// Core yet: until it is, <see cref="Open"/> says so and the writable layer is collected, with
/// the chain's folders named in the record.
/// </summary>
internal sealed class PodmanLayerChain : IDisposable
{
    private PodmanLayerChain()
    {
    }

    public static PodmanLayerChain? Open(PodmanDataRoot root, IReadOnlyList<StorageLayer> chain, CaptureLimits limits, out string? problem)
    {
        _ = root;
        _ = chain;
        _ = limits;
        problem = "layers are not stacked yet (Core has no merged view of layer folders in this build)";
        return null;
    }

    public Task CollectAsync(IEvidenceSink sink, CaptureLimits limits, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
