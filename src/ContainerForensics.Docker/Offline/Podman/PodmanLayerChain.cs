using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.FileSystem;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// A container's whole filesystem from a disk image: its layer chain's diff folders stacked
/// top-down. Waits for Core's layer stack (merged view of ordered layer folders with whiteouts
/// and opaque directories); until then it is not available and the writable layer is collected.
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
        problem = "the merged view of layer folders is not available in this build";
        return null;
    }

    public Task CollectAsync(IEvidenceSink sink, CaptureLimits limits, CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
    }
}
