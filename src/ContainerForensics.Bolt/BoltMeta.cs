namespace ContainerForensics.Bolt;

/// <summary>
/// One meta page (layout in <see cref="BoltFormat"/>; validation as bbolt's <c>Meta.Validate</c> in
/// <a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/meta.go">internal/common/meta.go</a>:
/// magic, version, FNV-1a 64 checksum), plus what this reader needs to trust it: a page size it can read
/// and a root below the high-water mark.
/// </summary>
internal sealed record BoltMeta(
    int Index,
    uint PageSize,
    uint Flags,
    ulong RootPageId,
    ulong RootSequence,
    ulong FreelistPageId,
    ulong HighWaterMark,
    ulong TxId)
{
    /// <summary>The meta in <paramref name="page"/> (a page's first bytes), or null with why not.</summary>
    public static BoltMeta? Parse(ReadOnlySpan<byte> page, int index, uint maxPageSize, out string? reason)
    {
        if (page.Length < BoltFormat.PageHeaderSize + BoltFormat.MetaSize)
        {
            reason = $"only {page.Length} bytes, a meta page needs {BoltFormat.PageHeaderSize + BoltFormat.MetaSize}";
            return null;
        }
        var m = page.Slice(BoltFormat.PageHeaderSize, BoltFormat.MetaSize);
        uint magic = BoltFormat.U32(m, 0);
        if (magic != BoltFormat.Magic)
        {
            reason = $"magic 0x{magic:x8}, not 0x{BoltFormat.Magic:x8}";
            return null;
        }
        uint version = BoltFormat.U32(m, 4);
        if (version != BoltFormat.Version)
        {
            reason = $"version {version}, not {BoltFormat.Version}";
            return null;
        }
        ulong stored = BoltFormat.U64(m, BoltFormat.MetaChecksummed);
        ulong computed = Fnv1a64(m[..BoltFormat.MetaChecksummed]);
        if (stored != computed)
        {
            reason = $"checksum 0x{stored:x16}, computed 0x{computed:x16}";
            return null;
        }
        var meta = new BoltMeta(index, BoltFormat.U32(m, 8), BoltFormat.U32(m, 12), BoltFormat.U64(m, 16), BoltFormat.U64(m, 24),
            BoltFormat.U64(m, 32), BoltFormat.U64(m, 40), BoltFormat.U64(m, 48));
        if (meta.PageSize < BoltFormat.MinPageSize || meta.PageSize > maxPageSize)
        {
            reason = $"page size {meta.PageSize} outside {BoltFormat.MinPageSize}..{maxPageSize}";
            return null;
        }
        // bbolt never writes a root at or above the high-water mark (Meta.Write panics), nor in the meta pages.
        if (meta.RootPageId < 2 || meta.RootPageId >= meta.HighWaterMark)
        {
            reason = $"root page {meta.RootPageId} outside 2..{meta.HighWaterMark} (the high-water mark)";
            return null;
        }
        reason = null;
        return meta;
    }

    /// <summary>FNV-1a 64 (Go's hash/fnv New64a), the meta's checksum.</summary>
    public static ulong Fnv1a64(ReadOnlySpan<byte> data)
    {
        ulong h = 14695981039346656037UL;
        foreach (byte b in data)
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return h;
    }
}
