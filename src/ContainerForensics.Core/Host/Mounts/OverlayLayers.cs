namespace ContainerForensics.Core.Host.Mounts;

/// <summary>
/// An overlay mount's directories (Documentation/filesystems/overlayfs.rst): lower layers top to
/// bottom, data-only lower layers (after "::"), the upper (writable) layer and the work dir.
/// Paths are as the mounter gave them: Docker passes lowerdir relative to its overlay2 folder
/// ("l/ABC...") when the absolute list would not fit in a page.
/// </summary>
public sealed record OverlayLayers(IReadOnlyList<byte[]> LowerDirs, IReadOnlyList<byte[]> DataOnlyLowerDirs, byte[]? UpperDir, byte[]? WorkDir);
