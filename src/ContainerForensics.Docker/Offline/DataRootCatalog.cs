namespace ContainerForensics.Docker.Offline;

/// <summary>
/// Everything of one data root that the listing and the collectors share, read once when the
/// data root is opened: the storage driver, the layer store, and every container, its record
/// parsed, and the remnants (see <see cref="OfflineContainer"/>), each with why it is one:
/// <list type="bullet">
/// <item><c>containers/&lt;id&gt;/</c> whose config.v2.json is missing or unreadable (the record of a
/// removed container gone, its folder left; or a record destroyed);</item>
/// <item><c>layerdb/mounts/&lt;id&gt;/</c> without <c>containers/&lt;id&gt;/</c>: a removed container's layers;</item>
/// <item>a directory under the driver's folder (<c>overlay2/&lt;cache id&gt;</c>) that no image layer
/// and no container's mount refers to: a removed container's writable layer, or a layer that was
/// being pulled or built when the disk was imaged.</item>
/// </list>
/// Names that are not Docker's (a "../x" folder, a bogus id) are problems, never paths.
/// </summary>
internal sealed class DataRootCatalog
{
    /// <summary>The layouts whose layers are read: overlay2, and the rootless fuse-overlayfs driver, which keeps the same.</summary>
    public static readonly string[] OverlayDrivers = ["overlay2", "fuse-overlayfs"];

    private DataRootCatalog(DataRoot root) => Root = root;

    public DataRoot Root { get; }

    /// <summary>The overlay driver whose layers are read; null when the data root has none (then no filesystem is read).</summary>
    public string? Driver { get; private set; }

    public LayerStore? Layers { get; private set; }

    /// <summary>Containers with a record (newest first), then the remnants.</summary>
    public List<OfflineContainer> Containers { get; } = [];

    /// <summary>What could not be read, or was not Docker's shape, in the data root as a whole.</summary>
    public List<string> Problems { get; } = [];

    /// <summary>Facts about the data root for data-root.json (other drivers found, what is not read).</summary>
    public List<string> Notes { get; } = [];

    public OfflineContainer? Find(string id) => Containers.FirstOrDefault(c => c.Id == id);

    public static DataRootCatalog Read(DataRoot root)
    {
        var catalog = new DataRootCatalog(root);
        catalog.ReadDriver();
        var withRecord = new List<OfflineContainer>();
        var remnants = new List<OfflineContainer>();
        var folders = catalog.ReadContainerFolders(withRecord, remnants);
        if (catalog.Layers is { } layers)
        {
            foreach (var (id, mount) in layers.Mounts)
            {
                if (!folders.Contains(id))
                {
                    remnants.Add(new OfflineContainer
                    {
                        Id = id,
                        Mount = mount,
                        RemnantWhy = $"the layer store has the layers of container {id} (image/{layers.Driver}/layerdb/mounts/{id}) but containers/{id} is gone: a removed container whose layers were left",
                    });
                }
            }
            catalog.ReadUnreferencedLayers(remnants);
        }
        withRecord.Sort((a, b) => (b.Record!.Created ?? DateTimeOffset.MinValue).CompareTo(a.Record!.Created ?? DateTimeOffset.MinValue) is var c && c != 0 ? c : string.CompareOrdinal(a.Id, b.Id));
        catalog.Containers.AddRange(withRecord);
        catalog.Containers.AddRange(remnants.Select(r => r.Mount is null && catalog.Layers?.Mounts.GetValueOrDefault(r.Id) is { } m ? r with { Mount = m } : r));
        return catalog;
    }

    private void ReadDriver()
    {
        var drivers = Root.Names("image", out string? problem, out _);
        if (drivers is null)
        {
            Notes.Add($"image/ not listed ({problem}): no image or layer store read");
            return;
        }
        Driver = OverlayDrivers.FirstOrDefault(d => drivers.Contains(d) && Root.IsDirectory($"image/{d}"));
        foreach (var other in drivers.Where(d => d != Driver))
        {
            Notes.Add($"image/{DockerIds.Show(other)}: the layer store of storage driver '{DockerIds.Show(other)}': its metadata is collected, its layers are not read dead-box (overlay2 and fuse-overlayfs are)");
        }
        if (Driver is not null)
        {
            Layers = LayerStore.Read(Root, Driver);
            Problems.AddRange(Layers.Problems);
        }
    }

    private HashSet<string> ReadContainerFolders(List<OfflineContainer> withRecord, List<OfflineContainer> remnants)
    {
        var folders = new HashSet<string>(StringComparer.Ordinal);
        var names = Root.Names("containers", out string? problem, out int invalid);
        if (names is null)
        {
            Notes.Add($"containers/ not listed ({problem}): no container record read");
            return folders;
        }
        if (invalid > 0)
        {
            Problems.Add($"containers/: {invalid} names that are not UTF-8 (no container id is): not read");
        }
        foreach (var id in names)
        {
            if (!DockerIds.IsHex64(id))
            {
                Problems.Add($"containers/{DockerIds.Show(id)}: not a container id (64 hex digits): not read");
                continue;
            }
            if (!Root.IsDirectory($"containers/{id}"))
            {
                Problems.Add($"containers/{id} is not a directory: not read");
                continue;
            }
            folders.Add(id);
            var record = ContainerRecord.Read(Root, id, out string? why);
            if (record is not null)
            {
                withRecord.Add(new OfflineContainer { Id = id, Record = record, Mount = Layers?.Mounts.GetValueOrDefault(id), HasFolder = true });
            }
            else
            {
                remnants.Add(new OfflineContainer
                {
                    Id = id,
                    HasFolder = true,
                    RemnantWhy = $"containers/{id} has no container record that can be read ({why}): the folder of a removed container, or a record destroyed",
                });
            }
        }
        return folders;
    }

    private void ReadUnreferencedLayers(List<OfflineContainer> remnants)
    {
        var layers = Layers!;
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        foreach (var layer in layers.Layers)
        {
            if (layer.CacheId is { } cache)
            {
                referenced.Add(cache);
            }
        }
        foreach (var mount in layers.Mounts.Values)
        {
            if (mount.MountId is { } m)
            {
                referenced.Add(m);
            }
            if (mount.InitId is { } i)
            {
                referenced.Add(i);
            }
        }
        var names = Root.Names(layers.Driver, out string? problem, out int invalid);
        if (names is null)
        {
            Problems.Add($"{layers.Driver}/ not listed ({problem}): no layer read");
            return;
        }
        if (invalid > 0)
        {
            Problems.Add($"{layers.Driver}/: {invalid} names that are not UTF-8: not read");
        }
        var unreferenced = names.Where(n => DockerIds.IsLayerDirectory(n) && !referenced.Contains(n)).ToHashSet(StringComparer.Ordinal);
        foreach (var name in names.Where(n => n != "l" && !DockerIds.IsLayerDirectory(n)))
        {
            Notes.Add($"{layers.Driver}/{DockerIds.Show(name)}: not a layer directory name, not read");
        }
        foreach (var name in unreferenced.Order(StringComparer.Ordinal))
        {
            // An init layer goes with its writable layer when both are left.
            if (name.EndsWith("-init", StringComparison.Ordinal) && unreferenced.Contains(name[..64]))
            {
                continue;
            }
            remnants.Add(new OfflineContainer
            {
                Id = name,
                RemnantLayer = name,
                RemnantWhy = $"{layers.Driver}/{name} is a layer directory that no image layer (layerdb/sha256/*/cache-id) and no container (layerdb/mounts/*/mount-id, init-id) refers to: the writable layer of a removed container, or a layer being pulled or built when the disk was imaged",
            });
        }
    }
}
