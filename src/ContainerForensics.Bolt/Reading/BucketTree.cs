namespace ContainerForensics.Bolt.Reading;

/// <summary>
/// The B+tree of one bucket: a root page in the file, or an inline leaf page inside the bucket's value.
/// A search follows bbolt's cursor (<a href="https://github.com/etcd-io/bbolt/blob/main/cursor.go">cursor.go</a>:
/// the last branch element whose key is &lt;= the key sought, else the first), but scans the elements linearly so
/// that one unreadable element costs only itself. A walk is depth-first with an explicit stack, at most
/// <see cref="BoltLimits.MaxDepth"/> deep, and reads each page once: a page met again (a cycle or a shared
/// subtree) is a problem, not a loop.
/// </summary>
internal sealed class BucketTree
{
    private readonly PageStore _store;
    private readonly ulong _root;
    private readonly byte[]? _inline;
    private readonly string _where;

    /// <param name="inline">For an inline bucket (root 0): its page, the value after the 16-byte bucket header.</param>
    public BucketTree(PageStore store, ulong root, byte[]? inline, string where)
    {
        _store = store;
        _root = root;
        _inline = inline;
        _where = where;
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
            if (ChildFor(page, key) is not { } child)
            {
                return null;
            }
            id = child;
        }
    }

    /// <summary>Every readable element in stored order; what cannot be read is recorded and skipped.</summary>
    public IEnumerable<RawEntry> Walk()
    {
        if (_inline is not null)
        {
            if (InlinePage() is { } leaf)
            {
                byte[]? last = null;
                foreach (var e in Leaf(leaf))
                {
                    CheckOrder(ref last, e.Key, null);
                    yield return e;
                }
            }
            yield break;
        }
        var visited = new HashSet<ulong>();
        var stack = new Stack<Frame>();
        byte[]? previous = null;
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
                        stack.Push(new Frame(Children(page), depth));
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
            next = frame.Children[frame.Next++];
            depth = frame.Depth + 1;
        }
    }

    private BoltPage? InlinePage()
    {
        if (!_store.Spend(null, _where))
        {
            return null;
        }
        var data = _inline!;
        if (data.Length < BoltFormat.PageHeaderSize)
        {
            _store.Problem(null, _where, $"the inline bucket's page is {data.Length} bytes, shorter than a page header");
            return null;
        }
        var page = BoltPage.FromBytes(null, data, data.Length);
        if (!page.IsLeaf)
        {
            _store.Problem(null, _where, $"the inline bucket's page is a {BoltFormat.PageKind(page.Flags)} page, not a leaf page");
            return null;
        }
        if (page.ReadableCount < page.Count)
        {
            _store.Problem(null, _where, $"the inline bucket's page declares {page.Count} elements, only {page.ReadableCount} lie within its {data.Length} bytes");
        }
        return page;
    }

    /// <summary>The child to descend into for <paramref name="key"/>: the last readable element whose key is &lt;= it, else the first readable.</summary>
    private ulong? ChildFor(BoltPage page, ReadOnlySpan<byte> key)
    {
        ulong? first = null;
        ulong? best = null;
        for (int i = 0; i < page.ReadableCount; i++)
        {
            if (!page.TryBranch(i, out var k, out ulong child, out string? reason))
            {
                _store.Problem(page.Id, _where, $"branch element {i}: {reason}");
                continue;
            }
            first ??= child;
            if (k.Span.SequenceCompareTo(key) <= 0)
            {
                best = child;
            }
            else
            {
                break;
            }
        }
        if (first is null)
        {
            _store.Problem(page.Id, _where, $"branch page {page.Id} has no readable element");
        }
        return best ?? first;
    }

    private RawEntry? FindInLeaf(BoltPage page, ReadOnlySpan<byte> key)
    {
        for (int i = 0; i < page.ReadableCount; i++)
        {
            if (!page.TryLeaf(i, _store.Limits.MaxValueBytes, out var e, out string? reason))
            {
                _store.Problem(page.Id, _where, $"leaf element {i}: {reason}");
                continue;
            }
            if (e.Key.Span.SequenceEqual(key))
            {
                return Raw(page, e);
            }
        }
        return null;
    }

    private ulong[] Children(BoltPage page)
    {
        var children = new List<ulong>(page.ReadableCount);
        for (int i = 0; i < page.ReadableCount; i++)
        {
            if (page.TryBranch(i, out _, out ulong child, out string? reason))
            {
                children.Add(child);
            }
            else
            {
                _store.Problem(page.Id, _where, $"branch element {i}: {reason}; its subtree was not read");
            }
        }
        return [.. children];
    }

    private IEnumerable<RawEntry> Leaf(BoltPage page)
    {
        for (int i = 0; i < page.ReadableCount; i++)
        {
            if (!page.TryLeaf(i, _store.Limits.MaxValueBytes, out var e, out string? reason))
            {
                _store.Problem(page.Id, _where, $"leaf element {i}: {reason}");
                continue;
            }
            if (Raw(page, e) is { } raw)
            {
                yield return raw;
            }
        }
    }

    private RawEntry? Raw(BoltPage page, LeafElement e)
    {
        if (e.ValueProblem is { } why)
        {
            _store.Problem(page.Id, $"{_where} key {KeyText.Of(e.Key.Span)}", why);
            return null;
        }
        return new RawEntry(e.Key.ToArray(), e.IsBucket, e.Value.ToArray());
    }

    private void CheckOrder(ref byte[]? previous, byte[] key, ulong? page)
    {
        if (previous is not null && key.AsSpan().SequenceCompareTo(previous) <= 0)
        {
            _store.Problem(page, _where, $"key {KeyText.Of(key)} comes after {KeyText.Of(previous)}: the keys are out of order");
        }
        previous = key;
    }

    private sealed class Frame(ulong[] children, int depth)
    {
        public ulong[] Children { get; } = children;

        public int Depth { get; } = depth;

        public int Next { get; set; }
    }
}

/// <summary>A readable leaf element: its key, whether it is a nested bucket, and its value (a bucket's header and inline page).</summary>
internal sealed record RawEntry(byte[] Key, bool IsBucket, byte[] Value);
