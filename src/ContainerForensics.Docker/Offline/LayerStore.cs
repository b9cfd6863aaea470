namespace ContainerForensics.Docker.Offline;

/// <summary>
/// What the layer store of a data root says (<c>image/&lt;driver&gt;/layerdb/</c>): every image
/// layer by chain id and by cache id, and every container's mount layers. Each file is read
/// bounded and each value checked for its shape before it names a directory; what is wrong is
/// kept as a problem and the rest is read.
/// </summary>
internal sealed class LayerStore
{
    private readonly Dictionary<string, ImageLayer> _byChain = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ImageLayer> _byCache = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerMountLayers> _mounts = new(StringComparer.Ordinal);

    private LayerStore(string driver) => Driver = driver;

    /// <summary>overlay2 (or fuse-overlayfs, the same layout).</summary>
    public string Driver { get; }

    public IReadOnlyCollection<ImageLayer> Layers => _byChain.Values;

    public IReadOnlyDictionary<string, ContainerMountLayers> Mounts => _mounts;

    public List<string> Problems { get; } = [];

    public ImageLayer? ByChain(string chainId) => _byChain.GetValueOrDefault(chainId);

    public ImageLayer? ByCache(string cacheId) => _byCache.GetValueOrDefault(cacheId);

    public static LayerStore Read(DataRoot root, string driver)
    {
        var store = new LayerStore(driver);
        string layerdb = $"image/{driver}/layerdb";
        if (root.Names($"{layerdb}/sha256", out string? problem, out int invalid) is { } chains)
        {
            foreach (var chain in chains)
            {
                if (!DockerIds.IsHex64(chain))
                {
                    store.Problems.Add($"{layerdb}/sha256/{DockerIds.Show(chain)}: not a chain id, not read");
                    continue;
                }
                string dir = $"{layerdb}/sha256/{chain}";
                string? cache = root.ReadLine($"{dir}/cache-id", out string? cacheProblem);
                if (cache is not null && !DockerIds.IsLayerDirectory(cache))
                {
                    store.Problems.Add($"{dir}/cache-id says '{DockerIds.Show(cache)}', not a layer directory name: its layer is not read");
                    cache = null;
                }
                else if (cache is null)
                {
                    store.Problems.Add($"{dir}/cache-id not read: {cacheProblem}");
                }
                string? parent = root.ReadLine($"{dir}/parent", out _);
                string? parentChain = parent is null ? null : DockerIds.Sha256Hex(parent);
                if (parent is not null && parentChain is null)
                {
                    store.Problems.Add($"{dir}/parent says '{DockerIds.Show(parent)}', not a sha256 chain id");
                }
                long? size = long.TryParse(root.ReadLine($"{dir}/size", out _), out long s) ? s : null;
                var layer = new ImageLayer(chain, cache, root.ReadLine($"{dir}/diff", out _), parentChain, size);
                store._byChain[chain] = layer;
                if (cache is not null)
                {
                    store._byCache[cache] = layer;
                }
            }
            if (invalid > 0)
            {
                store.Problems.Add($"{layerdb}/sha256: {invalid} names that are not UTF-8, not read");
            }
        }
        else if (root.IsDirectory($"image/{driver}"))
        {
            store.Problems.Add($"{layerdb}/sha256 not listed: {problem}");
        }
        if (root.Names($"{layerdb}/mounts", out _, out _) is { } mounts)
        {
            foreach (var id in mounts)
            {
                if (!DockerIds.IsHex64(id))
                {
                    store.Problems.Add($"{layerdb}/mounts/{DockerIds.Show(id)}: not a container id, not read");
                    continue;
                }
                store._mounts[id] = ReadMount(root, $"{layerdb}/mounts/{id}", id);
            }
        }
        return store;
    }

    /// <summary>The chain from <paramref name="chainId"/> down to the base layer (topmost first); stops with a problem at a loop, a missing link or 128 layers.</summary>
    public List<ImageLayer> Chain(string? chainId, List<string> problems)
    {
        var chain = new List<ImageLayer>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (string? id = chainId; id is not null; id = chain[^1].ParentChainId)
        {
            if (!seen.Add(id) || chain.Count >= 128)
            {
                problems.Add($"the layer chain from sha256:{chainId} loops or is longer than 128 layers at sha256:{id}: stopped there");
                break;
            }
            if (ByChain(id) is not { } layer)
            {
                problems.Add($"layer sha256:{id} of the chain is not in the layer store");
                break;
            }
            chain.Add(layer);
        }
        return chain;
    }

    private static ContainerMountLayers ReadMount(DataRoot root, string dir, string id)
    {
        var problems = new List<string>();
        string? Layer(string file)
        {
            string? value = root.ReadLine($"{dir}/{file}", out string? problem);
            if (value is null)
            {
                problems.Add($"{dir}/{file} not read: {problem}");
                return null;
            }
            if (!DockerIds.IsLayerDirectory(value))
            {
                problems.Add($"{dir}/{file} says '{DockerIds.Show(value)}', not a layer directory name: not followed");
                return null;
            }
            return value;
        }
        string? mountId = Layer("mount-id");
        string? initId = root.Image.Lstat(root.Of($"{dir}/init-id"), out _) is null ? null : Layer("init-id");
        string? parent = root.ReadLine($"{dir}/parent", out _);
        string? parentChain = parent is null ? null : DockerIds.Sha256Hex(parent);
        if (parent is not null && parentChain is null)
        {
            problems.Add($"{dir}/parent says '{DockerIds.Show(parent)}', not a sha256 chain id");
        }
        return new ContainerMountLayers(id, mountId, initId, parentChain, problems);
    }
}
