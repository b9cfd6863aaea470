using ContainerForensics.Core.Collection;
using ContainerForensics.Core.Evidence;
using ContainerForensics.Core.Runtimes;

namespace ContainerForensics.Docker.Offline;

/// <summary>
/// Docker read dead-box: one data root of a disk image as a runtime. Nothing runs and no daemon is
/// asked; the containers are the ones its files record (with the state they recorded) and the
/// remnants no record owns any more (<see cref="DataRootCatalog"/>). The evidence has the live
/// collection's layout; where the source differs, so do the names (the on-disk config.v2.json,
/// not the API's inspect.json). One collector per phase, as <see cref="Runtime.DockerRuntime"/>.
/// </summary>
internal sealed class OfflineDockerRuntime : IContainerRuntime
{
    public const string RuntimeName = "docker";

    private readonly DataRootCatalog _catalog;

    public OfflineDockerRuntime(DataRootCatalog catalog)
    {
        _catalog = catalog;
        var root = catalog.Root;
        var details = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["engine"] = "Docker Engine (its data root in a disk image)",
            ["data_root"] = root.Path,
            ["found_by"] = root.Why,
            ["rootless"] = root.Rootless ? "true" : "false",
        };
        if (catalog.Driver is { } driver)
        {
            details["storage_driver"] = driver;
        }
        Descriptor = new RuntimeDescriptor(RuntimeName, root.Shown, null, null)
        {
            Details = details,
            Locality = RuntimeLocality.DiskImage(root.Image.Root, $"the files of the data root {root.Path} in the image ({root.Why}); no daemon is asked"),
        };
    }

    public RuntimeDescriptor Descriptor { get; }

    internal DataRootCatalog Catalog => _catalog;

    public Task<IReadOnlyList<ContainerInfo>> ListContainersAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<ContainerInfo>>(_catalog.Containers.Select(c => c.ToInfo(RuntimeName)).ToList());

    public Task CollectEngineAsync(IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken) =>
        new OfflineEngineCollector(_catalog).CollectAsync(sink, options, cancellationToken);

    public Task CollectContainerAsync(ContainerInfo container, CollectionPhase phase, IEvidenceSink sink, CollectionOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        var found = _catalog.Find(container.Id)
            ?? throw new ContainerGoneException(container.Id, $"docker container {container.Id} is not in the data root {_catalog.Root.Shown}");
        return phase switch
        {
            CollectionPhase.Volatile => NothingRunsAsync(found, sink, cancellationToken),
            CollectionPhase.Metadata => new OfflineMetadataCollector(_catalog).CollectAsync(found, sink, options, cancellationToken),
            CollectionPhase.Logs => new OfflineLogCollector(_catalog).CollectAsync(found, sink, options, cancellationToken),
            CollectionPhase.Filesystem => new OfflineFilesystemCollector(_catalog).CollectAsync(found, sink, options, cancellationToken),
            _ => Task.CompletedTask,
        };
    }

    /// <summary>Nothing of a disk image runs: no pid.</summary>
    public Task<int?> GetInitPidAsync(ContainerInfo container, CancellationToken cancellationToken) => Task.FromResult<int?>(null);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The live collection's volatile items from the daemon (top.json, stats.json) have nothing to be read from here: skips, with why.</summary>
    private async Task NothingRunsAsync(OfflineContainer container, IEvidenceSink sink, CancellationToken cancellationToken)
    {
        string state = container.Record?.State ?? OfflineContainer.Removed;
        var source = new EvidenceSource { Description = $"the data root {_catalog.Root.Shown} in a disk image" };
        foreach (var name in (string[])["top.json", "stats.json"])
        {
            await sink.AddAsync(EvidenceItem.NotCollected(EvidenceSection.Volatile, name, EntryStatus.Skipped,
                $"nothing runs in a disk image: no process of the container can be listed or sampled (its state as recorded: {state})", source), cancellationToken).ConfigureAwait(false);
        }
    }
}
