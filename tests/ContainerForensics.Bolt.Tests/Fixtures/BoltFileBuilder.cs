using System.Buffers.Binary;
using System.Text;

namespace ContainerForensics.Bolt.Tests.Fixtures;

/// <summary>
/// A minimal bbolt writer, for tests only: one committed state, written bottom-up as bbolt lays it out
/// (<a href="https://github.com/etcd-io/bbolt/blob/main/node.go">node.go</a> <c>write</c>,
/// <a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/inode.go">inode.go</a> <c>WriteInodeToPage</c>,
/// <a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/meta.go">meta.go</a>): meta pages 0 and 1
/// (txid and txid − 1, one per page by txid % 2), an empty freelist at page 2, then each bucket's tree, leaves
/// first, with overflow pages for nodes larger than a page and branch levels until one root. Small buckets
/// without nested buckets are inline, as bbolt makes them. <see cref="MaxElementsPerPage"/> forces deep trees.
/// </summary>
internal sealed class BoltFileBuilder
{
    private const ushort Branch = 0x01;
    private const ushort Leaf = 0x02;

    private readonly List<(ulong Id, byte[] Bytes)> _pages = [];
    private readonly List<BuiltPage> _info = [];
    private readonly Dictionary<string, ulong> _roots = [];
    private ulong _next;

    public uint PageSize { get; init; } = 4096;

    public int MaxElementsPerPage { get; init; } = int.MaxValue;

    public ulong TxId { get; init; } = 7;

    public BucketSpec Root { get; } = new();

    public BuiltFile Build()
    {
        _pages.Clear();
        _info.Clear();
        _roots.Clear();
        _next = 3; // 0, 1: meta; 2: freelist
        ulong root = WriteTree(Root, "/", ForceFile: true).Root;
        ulong hwm = _next;
        var file = new byte[checked((long)hwm * PageSize)];
        for (int i = 0; i < 2; i++)
        {
            ulong txid = (TxId % 2) == (ulong)i ? TxId : TxId - 1;
            WriteMeta(file.AsSpan(i * (int)PageSize, (int)PageSize), i, PageSize, root, Root.Sequence, 2, hwm, txid);
        }
        var freelist = file.AsSpan(2 * (int)PageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(freelist, 2);
        BinaryPrimitives.WriteUInt16LittleEndian(freelist[8..], 0x10);
        foreach (var (id, bytes) in _pages)
        {
            bytes.CopyTo(file, (long)id * PageSize);
        }
        return new BuiltFile(file, PageSize, hwm, root, new Dictionary<string, ulong>(_roots), [.. _info]);
    }

    /// <summary>Writes a meta page with a correct checksum (FNV-1a 64 of the 56 bytes before it).</summary>
    public static void WriteMeta(Span<byte> page, int index, uint pageSize, ulong root, ulong sequence, ulong freelist, ulong hwm, ulong txid)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(page, (ulong)index);
        BinaryPrimitives.WriteUInt16LittleEndian(page[8..], 0x04);
        var m = page[16..];
        BinaryPrimitives.WriteUInt32LittleEndian(m, 0xED0CDAED);
        BinaryPrimitives.WriteUInt32LittleEndian(m[4..], 2);
        BinaryPrimitives.WriteUInt32LittleEndian(m[8..], pageSize);
        BinaryPrimitives.WriteUInt64LittleEndian(m[16..], root);
        BinaryPrimitives.WriteUInt64LittleEndian(m[24..], sequence);
        BinaryPrimitives.WriteUInt64LittleEndian(m[32..], freelist);
        BinaryPrimitives.WriteUInt64LittleEndian(m[40..], hwm);
        BinaryPrimitives.WriteUInt64LittleEndian(m[48..], txid);
        Seal(page);
    }

    /// <summary>Recomputes a meta page's checksum after its fields were changed.</summary>
    public static void Seal(Span<byte> page) =>
        BinaryPrimitives.WriteUInt64LittleEndian(page[(16 + 56)..], Fnv1a64(page.Slice(16, 56)));

    /// <summary>FNV-1a 64, written here again so that the reader's own is not what checks itself.</summary>
    public static ulong Fnv1a64(ReadOnlySpan<byte> data)
    {
        ulong h = 0xcbf29ce484222325;
        foreach (byte b in data)
        {
            h = (h ^ b) * 0x100000001b3;
        }
        return h;
    }

    private (ulong Root, byte[]? InlinePage) WriteTree(BucketSpec bucket, string path, bool ForceFile = false)
    {
        var items = new List<(byte[] Key, uint Flags, byte[] Value)>();
        bool nested = false;
        foreach (var (key, item) in bucket.Items)
        {
            if (item is BucketSpec child)
            {
                nested = true;
                string childPath = path == "/" ? "/" + Encoding.UTF8.GetString(key) : path + "/" + Encoding.UTF8.GetString(key);
                var (childRoot, inlinePage) = WriteTree(child, childPath);
                var value = new byte[16 + (inlinePage?.Length ?? 0)];
                BinaryPrimitives.WriteUInt64LittleEndian(value, childRoot);
                BinaryPrimitives.WriteUInt64LittleEndian(value.AsSpan(8), child.Sequence);
                inlinePage?.CopyTo(value, 16);
                items.Add((key, 1, value));
            }
            else
            {
                items.Add((key, 0, (byte[])item));
            }
        }
        long leafSize = 16 + items.Sum(i => 16L + i.Key.Length + i.Value.Length);
        bool inline = !ForceFile && (bucket.Inline ?? (!nested && leafSize <= PageSize / 4));
        if (inline)
        {
            _roots[path] = 0;
            return (0, RenderLeaf(0, items));
        }
        // Leaves, then branch levels over them until a single root.
        var level = new List<(byte[] FirstKey, ulong Id)>();
        foreach (var chunk in Chunks(items, i => 16L + i.Key.Length + i.Value.Length))
        {
            ulong id = Allocate(RenderLeaf, chunk, path);
            level.Add((chunk.Count > 0 ? chunk[0].Key : [], id));
        }
        while (level.Count > 1)
        {
            var up = new List<(byte[] FirstKey, ulong Id)>();
            foreach (var chunk in Chunks(level, c => 16L + c.FirstKey.Length))
            {
                ulong id = Allocate(RenderBranch, chunk, path);
                up.Add((chunk[0].FirstKey, id));
            }
            level = up;
        }
        _roots[path] = level[0].Id;
        return (level[0].Id, null);
    }

    /// <summary>
    /// Splits elements into pages as bbolt's <c>node.split</c> does (<a href="https://github.com/etcd-io/bbolt/blob/main/node.go">node.go</a>),
    /// with a fill of 100 %: a node of at most four elements, or that fits a page, stays whole (with overflow pages if it
    /// must); otherwise the first page takes elements while they fit, at least two, leaving at least two.
    /// <see cref="MaxElementsPerPage"/> splits further, to make deep trees.
    /// </summary>
    private IEnumerable<List<T>> Chunks<T>(List<T> elements, Func<T, long> size)
    {
        var rest = elements;
        while (true)
        {
            long total = 16 + rest.Sum(size);
            if (rest.Count <= MaxElementsPerPage && (rest.Count <= 4 || total <= PageSize))
            {
                yield return rest;
                yield break;
            }
            int i = 0;
            long used = 16;
            for (; i < rest.Count - 2; i++)
            {
                if (i >= MaxElementsPerPage || (i >= 2 && used + size(rest[i]) > PageSize))
                {
                    break;
                }
                used += size(rest[i]);
            }
            i = Math.Max(i, 1);
            yield return rest[..i];
            rest = rest[i..];
        }
    }

    private ulong Allocate<T>(Func<ulong, List<T>, byte[]> render, List<T> chunk, string path)
    {
        ulong id = _next;
        var bytes = render(id, chunk);
        uint pages = (uint)((bytes.Length + PageSize - 1) / PageSize);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), pages - 1);
        _next += pages;
        var padded = new byte[pages * PageSize];
        bytes.CopyTo(padded, 0);
        _pages.Add((id, padded));
        bool branch = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(8)) == Branch;
        _info.Add(new BuiltPage(id, branch ? "branch" : "leaf", pages - 1, path, chunk.Count,
            branch ? [.. chunk.Cast<(byte[] FirstKey, ulong Id)>().Select(c => c.Id)] : []));
        return id;
    }

    private static byte[] RenderLeaf(ulong id, List<(byte[] Key, uint Flags, byte[] Value)> items)
    {
        var page = new byte[16 + items.Sum(i => 16 + i.Key.Length + i.Value.Length)];
        Header(page, id, Leaf, items.Count);
        int data = 16 + (16 * items.Count);
        for (int i = 0; i < items.Count; i++)
        {
            int e = 16 + (16 * i);
            var (key, flags, value) = items[i];
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(e), flags);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(e + 4), (uint)(data - e));
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(e + 8), (uint)key.Length);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(e + 12), (uint)value.Length);
            key.CopyTo(page, data);
            value.CopyTo(page, data + key.Length);
            data += key.Length + value.Length;
        }
        return page;
    }

    private static byte[] RenderBranch(ulong id, List<(byte[] FirstKey, ulong Id)> children)
    {
        var page = new byte[16 + children.Sum(c => 16 + c.FirstKey.Length)];
        Header(page, id, Branch, children.Count);
        int data = 16 + (16 * children.Count);
        for (int i = 0; i < children.Count; i++)
        {
            int e = 16 + (16 * i);
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(e), (uint)(data - e));
            BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(e + 4), (uint)children[i].FirstKey.Length);
            BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(e + 8), children[i].Id);
            children[i].FirstKey.CopyTo(page, data);
            data += children[i].FirstKey.Length;
        }
        return page;
    }

    private static void Header(byte[] page, ulong id, ushort flags, int count)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(page, id);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(8), flags);
        BinaryPrimitives.WriteUInt16LittleEndian(page.AsSpan(10), checked((ushort)count));
    }
}

/// <summary>A page the builder wrote: its id, kind, overflow, the bucket whose tree it is in, its element count and (branch) children.</summary>
internal sealed record BuiltPage(ulong Id, string Kind, uint Overflow, string Bucket, int Count, ulong[] Children);
