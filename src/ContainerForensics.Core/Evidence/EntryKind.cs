namespace ContainerForensics.Core.Evidence;

/// <summary>What an archive entry stands for on its source.</summary>
public enum EntryKind
{
    File,
    Directory,
    Symlink,
    /// <summary>A further name of a file already in the archive (same device and inode).</summary>
    HardLink,
    CharDevice,
    BlockDevice,
    Fifo,
    Socket,
    /// <summary>A path deleted in a container's writable layer (overlay whiteout).</summary>
    Whiteout,
}
