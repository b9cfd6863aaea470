namespace ContainerForensics.Core.Collection;

/// <summary><c>--filesystem</c>: how much of each container's filesystem to copy.</summary>
public enum FilesystemMode
{
    None,
    /// <summary>The writable layer: added and changed files with content, deleted ones as whiteouts.</summary>
    Changed,
    /// <summary>The whole merged filesystem.</summary>
    Full,
}
