using ContainerForensics.Core.Evidence;

namespace ContainerForensics.Tar;

/// <summary>
/// Everything one tar entry says about a file, in full fidelity: raw path bytes (Linux paths are
/// bytes, not text), nanosecond times, 64-bit ids, binary extended attributes, and the data map of
/// a sparse file. <see cref="PaxTarWriter"/> stores what ustar cannot hold in pax records
/// (POSIX.1-2001, pax "Extended Header"); <see cref="PaxTarReader"/> gives it back.
/// </summary>
public sealed record TarHeader
{
    /// <summary>Raw path bytes, relative, no leading '/'; directories may end in '/'. Never contains NUL.</summary>
    public required byte[] Name { get; init; }

    public TarEntryType Type { get; init; } = TarEntryType.Regular;

    /// <summary>Permission and special bits (07777: setuid, setgid, sticky, rwx), without the file-type bits.</summary>
    public uint Mode { get; init; } = 0b110_100_100;

    public long Uid { get; init; }

    public long Gid { get; init; }

    public string? UserName { get; init; }

    public string? GroupName { get; init; }

    /// <summary>Logical content size (Regular only; for a sparse file its real, apparent size).</summary>
    public long Size { get; init; }

    public UnixTime ModifiedTime { get; init; }

    public UnixTime? AccessTime { get; init; }

    public UnixTime? ChangeTime { get; init; }

    /// <summary>Target of a hard link (an earlier entry's name) or of a symlink, raw bytes.</summary>
    public byte[]? LinkName { get; init; }

    public uint DevMajor { get; init; }

    public uint DevMinor { get; init; }

    /// <summary>Written as <c>SCHILY.xattr.&lt;name&gt;=&lt;raw bytes&gt;</c>, the keyword GNU tar and star read.</summary>
    public IReadOnlyList<KeyValuePair<string, byte[]>> ExtendedAttributes { get; init; } = [];

    /// <summary>Our own pax keywords, e.g. <c>CFIR.type=socket</c>; readers that do not know them ignore them.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraRecords { get; init; } = [];

    /// <summary>
    /// Non-null: a sparse file stored in GNU pax sparse format 1.0; the segments are sorted, do
    /// not overlap, and lie inside [0, <see cref="Size"/>). Only the segments' bytes are stored.
    /// </summary>
    public IReadOnlyList<DataSegment>? Sparse { get; init; }
}
