using System.Collections.ObjectModel;

namespace ContainerForensics.Tar;

/// <summary>One entry as <see cref="PaxTarReader"/> found it: the header with pax values applied, and where it lies.</summary>
public sealed class TarReadEntry
{
    /// <summary>
    /// The header parsed back: pax values override ustar fields; for a GNU sparse file the name is
    /// <c>GNU.sparse.name</c>, the size the real size and <see cref="TarHeader.Sparse"/> the data map.
    /// </summary>
    public required TarHeader Header { get; init; }

    /// <summary>Offset in the tar stream of the entry's first header block (its pax 'x' header, if any).</summary>
    public long HeaderOffset { get; init; }

    /// <summary>
    /// Offset in the tar stream of the entry's data area (for a GNU sparse 1.0 file: of the map,
    /// which the data follows), i.e. just after its ustar header block.
    /// </summary>
    public long DataOffset { get; init; }

    /// <summary>Bytes of data the entry occupies in the archive, without the padding to 512 (for sparse: map + segments).</summary>
    public long StoredSize { get; init; }

    /// <summary>The raw ustar typeflag ('0', '5', ...). Unknown typeflags are read as regular files, as POSIX asks.</summary>
    public byte TypeFlag { get; init; }

    /// <summary>All pax records in effect for the entry (global 'g' records, overridden by its own 'x' records), raw.</summary>
    public IReadOnlyDictionary<string, byte[]> PaxRecords { get; init; } = ReadOnlyDictionary<string, byte[]>.Empty;
}
