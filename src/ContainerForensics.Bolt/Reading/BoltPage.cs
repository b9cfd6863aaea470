namespace ContainerForensics.Bolt.Reading;

/// <summary>
/// A branch or leaf page as read: its bytes (perhaps fewer than it declares, at the end of the file or past
/// <see cref="BoltLimits.MaxPageBytes"/>), its header, and its elements, parsed once: every element is
/// bounds-checked against the bytes read (layout in <see cref="BoltFormat"/>, after bbolt's
/// <a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/page.go">page.go</a>). Elements whose key
/// cannot be read are left out and described in <see cref="Problems"/>; parsing once, with the page cached, keeps a
/// search O(log n) however many elements a damaged page claims.
/// </summary>
internal sealed class BoltPage
{
    private BoltPage(ulong? id, ReadOnlyMemory<byte> data, ushort flags, ushort count, long declaredBytes, int maxValueBytes)
    {
        Id = id;
        Data = data;
        Flags = flags;
        Count = count;
        DeclaredBytes = declaredBytes;
        int fit = (int)Math.Min(count, Math.Max(0, (data.Length - BoltFormat.PageHeaderSize) / BoltFormat.ElementSize));
        var problems = new List<string>();
        if (fit < count)
        {
            problems.Add($"page declares {count} elements, only {fit} lie within its {data.Length} bytes read");
        }
        var elements = new List<PageElement>(fit);
        if (IsBranch || IsLeaf)
        {
            for (int i = 0; i < fit; i++)
            {
                if (Parse(i, maxValueBytes, out var e, out string? reason))
                {
                    elements.Add(e);
                }
                else
                {
                    problems.Add($"{(IsBranch ? "branch" : "leaf")} element {i}: {reason}");
                }
            }
        }
        Elements = [.. elements];
        Problems = problems;
    }

    /// <summary>The file page id; null for an inline bucket's page.</summary>
    public ulong? Id { get; }

    public ReadOnlyMemory<byte> Data { get; }

    public ushort Flags { get; }

    public ushort Count { get; }

    /// <summary>(overflow + 1) × page size, or the inline value's length.</summary>
    public long DeclaredBytes { get; }

    public bool IsBranch => Flags == BoltFormat.BranchFlag;

    public bool IsLeaf => Flags == BoltFormat.LeafFlag;

    /// <summary>The elements whose key could be read, in stored order.</summary>
    public PageElement[] Elements { get; }

    /// <summary>What was wrong with the elements left out, found when the page was parsed.</summary>
    public IReadOnlyList<string> Problems { get; }

    /// <summary>What this costs in a cache: its bytes and its parsed elements.</summary>
    public long Footprint => Data.Length + (Elements.Length * 40L);

    /// <summary>A page from its bytes; the header must be within <paramref name="data"/>.</summary>
    public static BoltPage FromBytes(ulong? id, ReadOnlyMemory<byte> data, long declaredBytes, int maxValueBytes)
    {
        var h = data.Span;
        return new BoltPage(id, data, BoltFormat.U16(h, 8), BoltFormat.U16(h, 10), declaredBytes, maxValueBytes);
    }

    public ReadOnlySpan<byte> Key(in PageElement e) => Data.Span.Slice(e.KeyAt, e.KeyLength);

    public ReadOnlySpan<byte> Value(in PageElement e) => Data.Span.Slice(e.ValueAt, (int)e.ValueSize);

    /// <summary>
    /// bbolt's search (<a href="https://github.com/etcd-io/bbolt/blob/main/cursor.go">cursor.go</a>): the index of the first
    /// element whose key is &gt;= <paramref name="key"/> (<see cref="Elements"/>.Length if none), and whether it is equal.
    /// </summary>
    public int Search(ReadOnlySpan<byte> key, out bool exact)
    {
        int lo = 0;
        int hi = Elements.Length;
        while (lo < hi)
        {
            int mid = (int)(((uint)lo + (uint)hi) >> 1);
            if (Key(Elements[mid]).SequenceCompareTo(key) < 0)
            {
                lo = mid + 1;
            }
            else
            {
                hi = mid;
            }
        }
        exact = lo < Elements.Length && Key(Elements[lo]).SequenceEqual(key);
        return lo;
    }

    private bool Parse(int i, int maxValueBytes, out PageElement element, out string? reason)
    {
        int at = BoltFormat.PageHeaderSize + (i * BoltFormat.ElementSize);
        var e = Data.Span.Slice(at, BoltFormat.ElementSize);
        element = default;
        // Branch: pos, ksize, pgid. Leaf: flags, pos, ksize, vsize.
        uint pos = IsBranch ? BoltFormat.U32(e, 0) : BoltFormat.U32(e, 4);
        uint ksize = IsBranch ? BoltFormat.U32(e, 4) : BoltFormat.U32(e, 8);
        long keyAt = (long)at + pos;
        if (ksize > BoltFormat.MaxKeySize)
        {
            reason = $"key of {ksize} bytes, over bbolt's maximum of {BoltFormat.MaxKeySize}";
            return false;
        }
        if (keyAt + ksize > Data.Length)
        {
            reason = $"key of {ksize} bytes at offset {keyAt} {Beyond()}";
            return false;
        }
        reason = null;
        if (IsBranch)
        {
            element = new PageElement(i, 0, (int)keyAt, (int)ksize, BoltFormat.U64(e, 8), 0, -1, null);
            return true;
        }
        uint vsize = BoltFormat.U32(e, 12);
        long valueAt = keyAt + ksize;
        string? valueProblem = null;
        if (vsize > (uint)maxValueBytes)
        {
            valueProblem = $"value of {vsize} bytes, over the limit of {maxValueBytes}";
        }
        else if (valueAt + vsize > Data.Length)
        {
            valueProblem = $"value of {vsize} bytes at offset {valueAt} {Beyond()}";
        }
        element = new PageElement(i, BoltFormat.U32(e, 0), (int)keyAt, (int)ksize, 0, vsize, valueProblem is null ? (int)valueAt : -1, valueProblem);
        return true;
    }

    private string Beyond() => Data.Length < DeclaredBytes
        ? $"runs past the {Data.Length} bytes read of the page's {DeclaredBytes}"
        : $"runs past the page's {Data.Length} bytes";
}

/// <summary>
/// An element whose key lies within the page: <see cref="Child"/> for a branch; for a leaf its flags and value, or why
/// the value cannot be had (<see cref="ValueProblem"/>, <see cref="ValueAt"/> −1).
/// </summary>
internal readonly record struct PageElement(int Index, uint Flags, int KeyAt, int KeyLength, ulong Child, uint ValueSize, int ValueAt, string? ValueProblem)
{
    public bool IsBucket => (Flags & BoltFormat.BucketLeafFlag) != 0;
}
