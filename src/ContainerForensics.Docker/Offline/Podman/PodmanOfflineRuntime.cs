using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Offline.Podman;

/// <summary>
/// One Podman data root of a disk image as a runtime ("podman", dead-box): its containers
/// (libpod's, c/storage's own, remnants) from the files of <see cref="PodmanDataRoot"/>, and per
/// phase the offline collectors (metadata, logs, filesystem) and the engine's files. Nothing runs:
/// no init pid, no volatile state of its own (the runner records the host collectors it skips
/// for the disk image's locality).
/// </summary>
internal sealed class PodmanOfflineRuntime : IContainerRuntime
{
    private readonly PodmanDataRoot _root;
    private readonly Dictionary<string, PodmanContainer> _containers;

    public PodmanOfflineRuntime(PodmanDataRoot root, string found)
    {
        _root = root;
        _containers = root.Containers.GroupBy(c => c.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["engine"] = "Podman (read from a disk image)",
            ["data_root"] = root.Paths.DataRoot,
            ["graph_driver"] = root.Paths.Driver,
            ["found_by"] = found,
        };
        if (root.User is { } user)
        {
            details["user"] = user;
            details["rootless"] = "true";
        }
        if (root.Libpod is { } db)
        {
            details["database"] = db.Path;
            details["database_backend"] = db.Backend;
        }
        Descriptor = new RuntimeDescriptor("podman", root.Image.Show(root.Paths.DataRoot), null, null)
        {
            Details = details,
            Locality = RuntimeLocality.DiskImage(root.Image.Root,
                $"Podman's data root {root.Paths.DataRoot}{(root.User is { } u ? $" (rootless, user {u})" : "")} read from the files of the disk image; nothing of it runs here"),
        };
    }

    public RuntimeDescriptor Descriptor { get; }

    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>>(_containers.Values.Select(c => c.ToInfo()).ToList());

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        new PodmanOfflineEngineCollector(_root).CollectAsync(sink, options, cancellationToken);

    public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        if (!_containers.TryGetValue(container.Id, out var c))
        {
            throw new ContainerGoneException(container.Id, $"podman container {container.Id} is not in the data root {_root.Paths.DataRoot}");
        }
        return phase switch
        {
            CollectionPhase.Metadata => new PodmanOfflineMetadataCollector(_root).CollectAsync(c, sink, options, cancellationToken),
            CollectionPhase.Logs => new PodmanOfflineLogCollector(_root).CollectAsync(c, sink, options, cancellationToken),
            CollectionPhase.Filesystem => new PodmanOfflineFilesystemCollector(_root).CollectAsync(c, sink, options, cancellationToken),
            _ => Task.CompletedTask,
        };
    }

    /// <summary>Nothing of a disk image runs.</summary>
    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken) => Task.FromResult<int?>(null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
