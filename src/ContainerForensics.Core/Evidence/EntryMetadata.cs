namespace ContainerForensics.Core.Evidence;

/// <summary>
/// What the source says about an entry: kind, ownership, permissions and MACB times as read
/// from the source (statx, an engine's archive header, ...). Absent values stay null and are
/// written as absent, never as "root" or "now".
/// </summary>
public sealed record EntryMetadata
{
    public EntryKind Kind { get; init; } = EntryKind.File;

    /// <summary>Permission and special bits (07777), without the file-type bits.</summary>
    public uint? Mode { get; init; }

    public long? Uid { get; init; }

    public long? Gid { get; init; }

    public string? UserName { get; init; }

    public string? GroupName { get; init; }

    /// <summary>Logical size on the source, when known (for a sparse file: its apparent size).</summary>
    public long? Size { get; init; }

    public UnixTime? ModifiedTime { get; init; }

    public UnixTime? AccessTime { get; init; }

    public UnixTime? ChangeTime { get; init; }

    public UnixTime? BirthTime { get; init; }

    /// <summary>Symlink target, byte-exact.</summary>
    public byte[]? LinkTarget { get; init; }

    public uint? DeviceMajor { get; init; }

    public uint? DeviceMinor { get; init; }

    /// <summary>Device and inode of the source file: a second name for the same pair becomes a hard link.</summary>
    public ulong? SourceDevice { get; init; }

    public ulong? Inode { get; init; }

    public ulong? LinkCount { get; init; }

    /// <summary>Extended attributes with their raw values (capabilities and SELinux labels are binary).</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> ExtendedAttributes { get; init; } = [];
}
