namespace ContainerForensics.Bolt.Reading;

/// <summary>
/// The B+tree of one bucket: a root page in the file, or an inline leaf page inside the bucket's value (parsed once,
/// on first use). A search is bbolt's (<a href="https://github.com/etcd-io/bbolt/blob/main/cursor.go">cursor.go</a>:
/// binary search; in a branch, the last element whose key is &lt;= the key sought, else the first) over the elements
/// that could be read. A walk is depth-first with an explicit stack, at most <see cref="BoltLimits.MaxDepth"/> deep,
/// and reads each page once: a page met again (a cycle or a shared subtree) is a problem, not a loop.
/// </summary>
internal sealed class BucketTree
{
    private readonly PageStore _store;
    private readonly ulong _root;
    private readonly byte[]? _inline;
    private readonly string _where;
    private readonly Lazy<BoltPage?>? _inlinePage;

    /// <param name="inline">For an inline bucket (root 0): its page, the value after the 16-byte bucket header.</param>
    public BucketTree(PageStore store, ulong root, byte[]? inline, string where)
    {
        _store = store;
        _root = root;
        _inline = inline;
        _where = where;
        if (inline is not null)
        {
            _inlinePage = new Lazy<BoltPage?>(ParseInline, LazyThreadSafetyMode.ExecutionAndPublication);
        }
    }

    /// <summary>The leaf element with exactly <paramref name="key"/>, or null (absent, or unreadable with a problem).</summary>
    public RawEntry? Seek(ReadOnlySpan<byte> key)
    {
        if (_inline is not null)
        {
            return InlinePage() is { } leaf ? FindInLeaf(leaf, key) : null;
        }
        var path = new HashSet<ulong>();
        ulong id = _root;
        while (true)
        {
            if (path.Count >= _store.Limits.MaxDepth)
            {
                _store.Problem(id, _where, $"the tree is deeper than {_store.Limits.MaxDepth} pages");
                return null;
            }
            if (!path.Add(id))
            {
                _store.Problem(id, _where, $"page {id} is its own ancestor (a cycle of branch pages)");
                return null;
            }
            var page = _store.Page(id, _root, _where);
            if (page is null)
            {
                return null;
            }
            if (page.IsLeaf)
            {
                return FindInLeaf(page, key);
            }
            if (page.Elements.Length == 0)
            {
                return null; // recorded when the page was read
            }
            int index = page.Search(key, out bool exact);
            if (!exact && index > 0)
            {
                index--;
            }
            id = page.Elements[Math.Min(index, page.Elements.Length - 1)].Child;
        }
    }

    /// <summary>Every readable element in stored order; what cannot be read is recorded and skipped.</summary>
    public IEnumerable<RawEntry> Walk()
    {
        byte[]? previous = null;
        if (_inline is not null)
        {
            if (InlinePage() is { } leaf)
            {
                foreach (var e in Leaf(leaf))
                {
                    CheckOrder(ref previous, e.Key, null);
                    yield return e;
                }
            }
            yield break;
        }
        var visited = new HashSet<ulong>();
        var stack = new Stack<Frame>();
        ulong? next = _root;
        int depth = 1;
        while (true)
        {
            if (next is { } id)
            {
                next = null;
                if (depth > _store.Limits.MaxDepth)
                {
                    _store.Problem(id, _where, $"the tree is deeper than {_store.Limits.MaxDepth} pages; page {id} and below were not read");
                }
                else if (!visited.Add(id))
                {
                    _store.Problem(id, _where, $"page {id} is reached twice in this bucket's tree (a cycle or a shared subtree); read once");
                }
                else if (_store.Page(id, _root, _where) is { } page)
                {
                    if (page.IsLeaf)
                    {
                        foreach (var e in Leaf(page))
                        {
                            CheckOrder(ref previous, e.Key, id);
                            yield return e;
                        }
                    }
                    else
                    {
                        stack.Push(new Frame(page.Elements, depth));
                    }
                }
            }
            while (stack.TryPeek(out var top) && top.Next >= top.Children.Length)
            {
                stack.Pop();
            }
            if (!stack.TryPeek(out var frame))
            {
                yield break;
            }
            next = frame.Children[frame.Next++].Child;
            depth = frame.Depth + 1;
        }
    }

    private BoltPage? InlinePage() => _store.Spend() ? _inlinePage!.Value : null;

    private BoltPage? ParseInline()
    {
        var data = _inline!;
        if (data.Length < BoltFormat.PageHeaderSize)
        {
            _store.Problem(null, _where, $"the inline bucket's page is {data.Length} bytes, shorter than a page header");
            return null;
        }
        var page = BoltPage.FromBytes(null, data, data.Length, _store.Limits.MaxValueBytes);
        if (!page.IsLeaf)
        {
            _store.Problem(null, _where, $"the inline bucket's page is a {BoltFormat.PageKind(page.Flags)} page, not a leaf page");
            return null;
        }
        foreach (string problem in page.Problems)
        {
            _store.Problem(null, _where, $"inline {problem}");
        }
        return page;
    }

    private RawEntry? FindInLeaf(BoltPage page, ReadOnlySpan<byte> key)
    {
        int index = page.Search(key, out bool exact);
        return exact ? Raw(page, page.Elements[index]) : null;
    }

    private IEnumerable<RawEntry> Leaf(BoltPage page)
    {
        foreach (var e in page.Elements)
        {
            if (Raw(page, e) is { } raw)
            {
                yield return raw;
            }
        }
    }

    private RawEntry? Raw(BoltPage page, in PageElement e)
    {
        if (e.ValueProblem is { } why)
        {
            _store.Problem(page.Id, $"{_where} key {KeyText.Of(page.Key(e))}", why);
            return null;
        }
        return new RawEntry(page.Key(e).ToArray(), e.IsBucket, page.Value(e).ToArray());
    }

    private void CheckOrder(ref byte[]? previous, byte[] key, ulong? page)
    {
        if (previous is not null && key.AsSpan().SequenceCompareTo(previous) <= 0)
        {
            _store.Problem(page, _where, $"key {KeyText.Of(key)} comes after {KeyText.Of(previous)}: the keys are out of order");
        }
        previous = key;
    }

    private sealed class Frame(PageElement[] children, int depth)
    {
        public PageElement[] Children { get; } = children;

        public int Depth { get; } = depth;

        public int Next { get; set; }
    }
}

/// <summary>A readable leaf element: its key, whether it is a nested bucket, and its value (a bucket's header and inline page).</summary>
internal sealed record RawEntry(byte[] Key, bool IsBucket, byte[] Value);
