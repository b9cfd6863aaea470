namespace ContainerForensics.Bolt.Reading;

/// <summary>
/// A branch or leaf page as read: its bytes (perhaps fewer than it declares, at the end of the file or past
/// <see cref="BoltLimits.MaxPageBytes"/>) and its header. Every element is bounds-checked against the bytes
/// read before anything of it is used (layout in <see cref="BoltFormat"/>, after bbolt's
/// <a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/page.go">page.go</a>).
/// </summary>
internal sealed class BoltPage
{
    private BoltPage(ulong? id, ReadOnlyMemory<byte> data, ushort flags, ushort count, long declaredBytes)
    {
        Id = id;
        Data = data;
        Flags = flags;
        Count = count;
        DeclaredBytes = declaredBytes;
        ReadableCount = (int)Math.Min(count, Math.Max(0, (data.Length - BoltFormat.PageHeaderSize) / BoltFormat.ElementSize));
    }

    /// <summary>The file page id; null for an inline bucket's page.</summary>
    public ulong? Id { get; }

    public ReadOnlyMemory<byte> Data { get; }

    public ushort Flags { get; }

    public ushort Count { get; }

    /// <summary>The elements whose 16 bytes lie within what was read.</summary>
    public int ReadableCount { get; }

    /// <summary>(overflow + 1) × page size, or the inline value's length.</summary>
    public long DeclaredBytes { get; }

    public bool IsBranch => Flags == BoltFormat.BranchFlag;

    public bool IsLeaf => Flags == BoltFormat.LeafFlag;

    /// <summary>A page from its bytes; the header must be within <paramref name="data"/>.</summary>
    public static BoltPage FromBytes(ulong? id, ReadOnlyMemory<byte> data, long declaredBytes)
    {
        var h = data.Span;
        return new BoltPage(id, data, BoltFormat.U16(h, 8), BoltFormat.U16(h, 10), declaredBytes);
    }

    /// <summary>Element <paramref name="i"/> of a branch page: its key and child, or why it cannot be read.</summary>
    public bool TryBranch(int i, out ReadOnlyMemory<byte> key, out ulong child, out string? reason)
    {
        int at = BoltFormat.PageHeaderSize + (i * BoltFormat.ElementSize);
        var e = Data.Span.Slice(at, BoltFormat.ElementSize);
        child = BoltFormat.U64(e, 8);
        return TryKey(at, BoltFormat.U32(e, 0), BoltFormat.U32(e, 4), out key, out reason);
    }

    /// <summary>Element <paramref name="i"/> of a leaf page; false when not even its key can be read.</summary>
    public bool TryLeaf(int i, int maxValueBytes, out LeafElement element, out string? reason)
    {
        int at = BoltFormat.PageHeaderSize + (i * BoltFormat.ElementSize);
        var e = Data.Span.Slice(at, BoltFormat.ElementSize);
        uint flags = BoltFormat.U32(e, 0);
        uint pos = BoltFormat.U32(e, 4);
        uint ksize = BoltFormat.U32(e, 8);
        uint vsize = BoltFormat.U32(e, 12);
        if (!TryKey(at, pos, ksize, out var key, out reason))
        {
            element = default;
            return false;
        }
        long valueAt = (long)at + pos + ksize;
        string? valueProblem = null;
        ReadOnlyMemory<byte> value = default;
        if (vsize > (uint)maxValueBytes)
        {
            valueProblem = $"value of {vsize} bytes, over the limit of {maxValueBytes}";
        }
        else if (valueAt + vsize > Data.Length)
        {
            valueProblem = $"value of {vsize} bytes at offset {valueAt} {Beyond()}";
        }
        else
        {
            value = Data.Slice((int)valueAt, (int)vsize);
        }
        element = new LeafElement(flags, key, vsize, value, valueProblem);
        return true;
    }

    private bool TryKey(int at, uint pos, uint ksize, out ReadOnlyMemory<byte> key, out string? reason)
    {
        long keyAt = (long)at + pos;
        key = default;
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
        key = Data.Slice((int)keyAt, (int)ksize);
        return true;
    }

    private string Beyond() => Data.Length < DeclaredBytes
        ? $"runs past the {Data.Length} bytes read of the page's {DeclaredBytes}"
        : $"runs past the page's {Data.Length} bytes";
}

/// <summary>A leaf element whose key was readable. <see cref="ValueProblem"/> says why the value is not, if it is not.</summary>
internal readonly record struct LeafElement(uint Flags, ReadOnlyMemory<byte> Key, uint ValueSize, ReadOnlyMemory<byte> Value, string? ValueProblem)
{
    public bool IsBucket => (Flags & BoltFormat.BucketLeafFlag) != 0;
}
