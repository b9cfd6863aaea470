namespace ContainerForensics.Bolt.Reading;

/// <summary>
/// The two meta pages and the choice between them. Meta 0 is at offset 0; meta 1 one page further, at the page
/// size meta 0 gives, or, when meta 0 is unusable, wherever bbolt would look for it: 1 KiB &lt;&lt; 0…14, the one
/// found there having to name that page size (<a href="https://github.com/etcd-io/bbolt/blob/main/db.go">db.go</a>,
/// <c>getPageSize</c>, <c>getPageSizeFromSecondMeta</c>, <c>meta</c>).
/// </summary>
internal sealed class MetaPages
{
    private const string Where = "meta";

    private MetaPages(BoltMeta? meta0, string? reason0, BoltMeta? meta1, string? reason1)
    {
        Meta0 = meta0;
        Reason0 = reason0;
        Meta1 = meta1;
        Reason1 = reason1;
    }

    public BoltMeta? Meta0 { get; }

    public string? Reason0 { get; }

    public BoltMeta? Meta1 { get; }

    public string? Reason1 { get; }

    public static MetaPages Read(BoltSource source, uint maxPageSize)
    {
        var meta0 = ReadAt(source, 0, 0, maxPageSize, out string? reason0);
        BoltMeta? meta1 = null;
        string? reason1;
        if (meta0 is not null)
        {
            meta1 = ReadAt(source, meta0.PageSize, 1, maxPageSize, out reason1);
            if (meta1 is not null && meta1.PageSize != meta0.PageSize)
            {
                reason1 = $"page size {meta1.PageSize}, but meta 0 says {meta0.PageSize}";
                meta1 = null;
            }
            return new MetaPages(meta0, reason0, meta1, reason1);
        }
        reason1 = $"not found at any page size from 1 KiB to {maxPageSize}";
        for (int shift = 0; shift < BoltFormat.ProbeShifts; shift++)
        {
            long at = 1024L << shift;
            if (at > maxPageSize || at + BoltFormat.PageHeaderSize + BoltFormat.MetaSize > source.Length)
            {
                break;
            }
            var candidate = ReadAt(source, at, 1, maxPageSize, out string? why);
            if (candidate is not null && candidate.PageSize == at)
            {
                meta1 = candidate;
                reason1 = null;
                break;
            }
            if (reason1.StartsWith("not found", StringComparison.Ordinal) && (candidate is not null || !why!.StartsWith("magic", StringComparison.Ordinal)))
            {
                // The first meta-like page met is the likeliest to be meta 1: say what was wrong with it.
                reason1 = candidate is not null ? $"at offset {at}: page size {candidate.PageSize}, not {at}" : $"at offset {at}: {why}";
            }
        }
        return new MetaPages(meta0, reason0, meta1, reason1);
    }

    /// <summary>
    /// The valid meta with the higher txid, unless its root page is unreadable and the other's is not; null when
    /// neither is valid. <paramref name="notes"/> says what was passed over and why.
    /// </summary>
    public BoltMeta? Choose(BoltSource source, out List<BoltProblem> notes)
    {
        notes = [];
        if (Meta0 is null)
        {
            notes.Add(new BoltProblem(null, Where, $"meta page 0 is unusable: {Reason0}"));
        }
        if (Meta1 is null)
        {
            notes.Add(new BoltProblem(null, Where, $"meta page 1 is unusable: {Reason1}"));
        }
        BoltMeta[] valid = [.. new[] { Meta0, Meta1 }.OfType<BoltMeta>().OrderByDescending(m => m.TxId)];
        if (valid.Length == 0)
        {
            return null;
        }
        string? newestRoot = PageStore.ProbeRoot(source, valid[0]);
        if (newestRoot is null || valid.Length == 1)
        {
            return valid[0];
        }
        string? olderRoot = PageStore.ProbeRoot(source, valid[1]);
        if (olderRoot is not null)
        {
            return valid[0];
        }
        notes.Add(new BoltProblem(valid[0].RootPageId, Where,
            $"meta page {valid[0].Index} (txid {valid[0].TxId}) is valid but its {newestRoot}; meta page {valid[1].Index} (txid {valid[1].TxId}) was used"));
        return valid[1];
    }

    private static BoltMeta? ReadAt(BoltSource source, long offset, int index, uint maxPageSize, out string? reason)
    {
        Span<byte> buffer = stackalloc byte[BoltFormat.PageHeaderSize + BoltFormat.MetaSize];
        int got;
        try
        {
            got = offset <= source.Length ? source.Read(buffer, offset) : 0;
        }
        catch (IOException ex)
        {
            reason = $"reading it failed: {ex.Message}";
            return null;
        }
        return BoltMeta.Parse(buffer[..got], index, maxPageSize, out reason);
    }
}
