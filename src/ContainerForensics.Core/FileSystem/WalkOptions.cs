namespace ContainerForensics.Core.FileSystem;

/// <summary>How far <see cref="SafeTreeWalker"/> goes.</summary>
public sealed record WalkOptions
{
    public static WalkOptions Default { get; } = new();

    /// <summary>
    /// Directories at this depth (the root is 0) are reported but not entered. Each level holds
    /// one open descriptor, and an attacker can nest directories far deeper than any real tree.
    /// </summary>
    public int MaxDepth { get; init; } = 256;

    /// <summary>Do not enter a directory on another filesystem than the root (find -xdev): a mount point is reported, not walked.</summary>
    public bool StayOnFileSystem { get; init; } = true;
}
