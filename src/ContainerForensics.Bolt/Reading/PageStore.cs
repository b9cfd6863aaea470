namespace ContainerForensics.Bolt.Reading;

/// <summary>
/// Reads the pages of the trees for one meta, and is the one place that decides whether a page may be used:
/// its id within the file and below the high-water mark, its header naming the id asked for and a branch or
/// leaf type (bbolt's <c>Page.FastCheck</c>,
/// <a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/page.go">page.go</a>), its length bounded
/// by the file and <see cref="BoltLimits.MaxPageBytes"/>, a page-read budget, and ownership: in bbolt each page
/// belongs to exactly one bucket's tree and each bucket root to exactly one bucket, so a page reached from two
/// trees, or a root from two places, is corruption and is read for the first only. That bounds the work of any
/// walk by the file's page count, whatever the links say. Thread-safe: one lock around everything.
/// </summary>
internal sealed class PageStore
{
    private readonly Lock _lock = new();
    private readonly BoltSource _source;
    private readonly PageCache _cache;
    private readonly ProblemLog _problems;
    private readonly Dictionary<ulong, ulong> _pageTree = [];
    private readonly Dictionary<ulong, (string Key, string Text)> _rootHolder = [];
    private long _reads;
    private bool _disposed;

    public PageStore(BoltSource source, BoltMeta meta, BoltLimits limits)
    {
        _source = source;
        Meta = meta;
        Limits = limits;
        _cache = new PageCache(limits.CachedPages, limits.MaxCacheBytes, meta.PageSize);
        _problems = new ProblemLog(limits.MaxProblems);
    }

    public BoltMeta Meta { get; }

    public BoltLimits Limits { get; }

    public BoltProblem[] Problems
    {
        get
        {
            lock (_lock)
            {
                return _problems.Snapshot();
            }
        }
    }

    public void Problem(ulong? page, string where, string reason)
    {
        lock (_lock)
        {
            _problems.Add(new BoltProblem(page, where, reason));
        }
    }

    /// <summary>Counts one page visit against <see cref="BoltLimits.MaxPageReads"/>; false (and a problem) past it.</summary>
    public bool Spend()
    {
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_reads >= Limits.MaxPageReads)
            {
                _problems.Add(new BoltProblem(null, "", $"the budget of {Limits.MaxPageReads} page reads is spent; nothing more was read"));
                return false;
            }
            _reads++;
            return true;
        }
    }

    /// <summary>
    /// Claims <paramref name="root"/> as the root of the bucket at <paramref name="path"/>; false, with the path
    /// of the bucket holding it, when another bucket already has it.
    /// </summary>
    public bool ClaimRoot(ulong root, IReadOnlyList<byte[]> path, out string? holder)
    {
        string key = KeyText.PathKey(path);
        lock (_lock)
        {
            if (_rootHolder.TryGetValue(root, out var held))
            {
                holder = held.Text;
                return held.Key == key;
            }
            _rootHolder[root] = (key, KeyText.Path(path));
            holder = null;
            return true;
        }
    }

    /// <summary>Page <paramref name="id"/> of the tree rooted at <paramref name="treeRoot"/>, or null with a problem recorded.</summary>
    public BoltPage? Page(ulong id, ulong treeRoot, string where)
    {
        if (!Spend())
        {
            return null;
        }
        lock (_lock)
        {
            var page = Load(id, treeRoot, where, out string? reason);
            if (page is null)
            {
                _problems.Add(new BoltProblem(id, where, reason!));
            }
            return page;
        }
    }

    /// <summary>Whether the page a meta names as root looks like one, without recording anything: how a torn meta is told.</summary>
    public static string? ProbeRoot(BoltSource source, BoltMeta meta)
    {
        if (meta.RootPageId > (ulong)((source.Length - BoltFormat.PageHeaderSize) / meta.PageSize))
        {
            return $"root page {meta.RootPageId} lies past the end of the file";
        }
        long offset = (long)meta.RootPageId * meta.PageSize;
        Span<byte> h = stackalloc byte[BoltFormat.PageHeaderSize];
        try
        {
            if (source.Read(h, offset) < h.Length)
            {
                return $"root page {meta.RootPageId} is cut off by the end of the file";
            }
        }
        catch (IOException ex)
        {
            return $"root page {meta.RootPageId} cannot be read: {ex.Message}";
        }
        return HeaderProblem(h, meta.RootPageId);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _cache.Clear();
        }
    }

    private BoltPage? Load(ulong id, ulong treeRoot, string where, out string? reason)
    {
        uint pageSize = Meta.PageSize;
        long length = _source.Length;
        if (id < 2)
        {
            reason = $"page id {id} is a meta page";
            return null;
        }
        if (id >= Meta.HighWaterMark)
        {
            reason = $"page id {id} is at or past the high-water mark {Meta.HighWaterMark}";
            return null;
        }
        if (id > (ulong)((length - BoltFormat.PageHeaderSize) / pageSize))
        {
            reason = $"page {id} lies past the end of the file ({length} bytes)";
            return null;
        }
        if (_pageTree.TryGetValue(id, out ulong owner) && owner != treeRoot)
        {
            reason = $"page {id} belongs to the tree rooted at page {owner}, not to this bucket's (root {treeRoot})";
            return null;
        }
        if (_cache.Get(id) is { } cached)
        {
            reason = null;
            return cached;
        }
        long offset = (long)id * pageSize;
        var first = new byte[pageSize];
        int got;
        try
        {
            got = _source.Read(first, offset);
        }
        catch (IOException ex)
        {
            reason = $"reading page {id} failed: {ex.Message}";
            return null;
        }
        if (got < BoltFormat.PageHeaderSize)
        {
            reason = $"page {id} is cut off by the end of the file";
            return null;
        }
        if (HeaderProblem(first, id) is { } bad)
        {
            reason = bad;
            return null;
        }
        uint overflow = BoltFormat.U32(first, 12);
        long declared = ((long)overflow + 1) * pageSize;
        if (overflow > 0 && id + overflow >= Meta.HighWaterMark)
        {
            _problems.Add(new BoltProblem(id, where, $"page {id} with {overflow} overflow pages runs past the high-water mark {Meta.HighWaterMark}"));
        }
        long wanted = Math.Min(declared, Math.Min(length - offset, Limits.MaxPageBytes));
        byte[] data = first;
        if (wanted > pageSize)
        {
            data = new byte[wanted];
            first.AsSpan(0, got).CopyTo(data);
            try
            {
                got += _source.Read(data.AsSpan(got), offset + got);
            }
            catch (IOException ex)
            {
                _problems.Add(new BoltProblem(id, where, $"reading the overflow of page {id} failed: {ex.Message}"));
            }
        }
        if (got < declared)
        {
            string why = got < wanted ? "the read stopped short" : wanted < length - offset ? $"the limit is {Limits.MaxPageBytes}" : "the file ends";
            _problems.Add(new BoltProblem(id, where, $"page {id} declares {declared} bytes, {got} were read ({why})"));
        }
        var page = BoltPage.FromBytes(id, data.AsMemory(0, got), declared, Limits.MaxValueBytes);
        foreach (string problem in page.Problems)
        {
            _problems.Add(new BoltProblem(id, where, problem));
        }
        if (page.IsBranch && page.Elements.Length == 0)
        {
            _problems.Add(new BoltProblem(id, where, $"branch page {id} has no readable element"));
        }
        _cache.Add(page);
        _pageTree[id] = treeRoot;
        reason = null;
        return page;
    }

    private static string? HeaderProblem(ReadOnlySpan<byte> header, ulong id)
    {
        ulong said = BoltFormat.U64(header, 0);
        if (said != id)
        {
            return $"page {id} has the header of page {said} (torn, overwritten or never written)";
        }
        ushort flags = BoltFormat.U16(header, 8);
        if (flags is not (BoltFormat.BranchFlag or BoltFormat.LeafFlag))
        {
            return $"page {id} is a {BoltFormat.PageKind(flags)} page, not a branch or leaf page";
        }
        return null;
    }
}
