namespace ContainerForensics.Core.Host.Mounts;

/// <summary>
/// One line of /proc/&lt;pid&gt;/mountinfo (proc_pid_mountinfo(5)), decoded: the kernel's octal
/// escapes (\040 for a space, ...) undone, so paths are the raw bytes they are on the host.
/// </summary>
public sealed record MountEntry
{
    public required int MountId { get; init; }

    public required int ParentId { get; init; }

    public required uint Major { get; init; }

    public required uint Minor { get; init; }

    /// <summary>The directory of the filesystem that forms this mount's root (a bind mount's source inside its filesystem).</summary>
    public required byte[] Root { get; init; }

    /// <summary>Where it is mounted, relative to the process's root.</summary>
    public required byte[] MountPoint { get; init; }

    /// <summary>Per-mount options (rw, nosuid, relatime, ...).</summary>
    public required byte[] MountOptions { get; init; }

    /// <summary>Propagation tags: shared:N, master:N, propagate_from:N, unbindable.</summary>
    public required IReadOnlyList<byte[]> OptionalFields { get; init; }

    public required byte[] FsType { get; init; }

    public required byte[] Source { get; init; }

    /// <summary>Per-superblock options, as the kernel printed them (values still escaped).</summary>
    public required byte[] SuperOptions { get; init; }

    /// <summary>For overlay mounts: the layers, which locate the container's writable layer on the host.</summary>
    public OverlayLayers? Overlay { get; init; }
}
