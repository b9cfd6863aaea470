namespace ContainerForensics.Docker.Offline;

/// <summary>
/// One image layer as the layer store keeps it: <c>image/&lt;driver&gt;/layerdb/sha256/&lt;chain id&gt;/</c>
/// with <c>cache-id</c> (its directory under the driver's folder), <c>diff</c> (the layer's
/// uncompressed digest), <c>parent</c> (the chain id below it) and <c>size</c>.
/// </summary>
internal sealed record ImageLayer(string ChainId, string? CacheId, string? DiffId, string? ParentChainId, long? Size);

/// <summary>
/// A container's layers in the layer store: <c>layerdb/mounts/&lt;container id&gt;/</c> with
/// <c>mount-id</c> (its writable layer's directory), <c>init-id</c> (the init layer's) and
/// <c>parent</c> (the chain id of its image's top layer).
/// </summary>
internal sealed record ContainerMountLayers(string ContainerId, string? MountId, string? InitId, string? ParentChainId, IReadOnlyList<string> Problems);
