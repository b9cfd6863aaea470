using System.Text;
using ContainerForensics.Bolt.Reading;

namespace ContainerForensics.Bolt;

/// <summary>
/// A bucket of a <see cref="BoltDatabase"/>: keys with values and nested buckets. Reads happen when asked; what
/// cannot be read becomes a <see cref="BoltDatabase.Problems"/> entry and is left out, never thrown. A nested
/// bucket's value is a 16-byte header {root page, sequence}; root 0 means the bucket's leaf page follows inline
/// (<a href="https://github.com/etcd-io/bbolt/blob/main/internal/common/bucket.go">internal/common/bucket.go</a>).
/// </summary>
public sealed class BoltBucket
{
    private readonly PageStore _store;
    private readonly BucketTree _tree;
    private readonly ulong[] _ancestorRoots;
    private readonly byte[][] _path;

    private BoltBucket(PageStore store, byte[][] path, ulong rootPageId, ulong sequence, byte[]? inline, ulong[] ancestorRoots)
    {
        _store = store;
        _path = path;
        RootPageId = rootPageId;
        Sequence = sequence;
        IsInline = inline is not null;
        _ancestorRoots = ancestorRoots;
        PathText = KeyText.Path(path);
        _tree = new BucketTree(store, rootPageId, inline, PathText);
    }

    /// <summary>The bucket names from the root (empty for the root bucket), for messages.</summary>
    public IReadOnlyList<byte[]> Path => _path;

    /// <summary>The path as text: "/v1/default/containers"; names that are not printable ASCII in hex.</summary>
    public string PathText { get; }

    /// <summary>The page of the bucket's tree root; 0 for an inline bucket.</summary>
    public ulong RootPageId { get; }

    /// <summary>The bucket's sequence (bbolt's <c>NextSequence</c> counter).</summary>
    public ulong Sequence { get; }

    /// <summary>Whether the bucket's only page is stored inside its value in the parent.</summary>
    public bool IsInline { get; }

    /// <summary>The nested bucket <paramref name="name"/>, or null when there is none (or it cannot be read: see the problems).</summary>
    public BoltBucket? Bucket(ReadOnlySpan<byte> name)
    {
        var hit = _tree.Seek(name);
        return hit is { IsBucket: true } ? Child(hit) : null;
    }

    /// <summary>The nested bucket with this UTF-8 name, or null.</summary>
    public BoltBucket? Bucket(string name) => Bucket(Encoding.UTF8.GetBytes(name));

    /// <summary>The value of a key that is not a bucket, or null.</summary>
    public byte[]? Get(ReadOnlySpan<byte> key)
    {
        var hit = _tree.Seek(key);
        return hit is { IsBucket: false } ? hit.Value : null;
    }

    /// <summary>The value of the key with this UTF-8 name, or null.</summary>
    public byte[]? Get(string key) => Get(Encoding.UTF8.GetBytes(key));

    /// <summary>The value of the key <paramref name="key"/> decoded as UTF-8, or null.</summary>
    public string? GetString(string key) => Get(key) is { } v ? Encoding.UTF8.GetString(v) : null;

    /// <summary>Every key in stored (key) order; unreadable subtrees and values are skipped and recorded as problems.</summary>
    public IEnumerable<BoltEntry> Entries()
    {
        foreach (var raw in _tree.Walk())
        {
            if (!raw.IsBucket)
            {
                yield return new BoltEntry(raw.Key, raw.Value, null);
            }
            else if (Child(raw) is { } child)
            {
                yield return new BoltEntry(raw.Key, null, child);
            }
        }
    }

    /// <summary>The nested buckets, in key order.</summary>
    public IEnumerable<BoltBucket> Buckets() => Entries().Where(e => e.Bucket is not null).Select(e => e.Bucket!);

    public override string ToString() => PathText;

    internal static BoltBucket Root(PageStore store)
    {
        var meta = store.Meta;
        store.ClaimRoot(meta.RootPageId, [], out _);
        return new BoltBucket(store, [], meta.RootPageId, meta.RootSequence, null, []);
    }

    /// <summary>The bucket a bucket-flagged element's value describes, or null with a problem.</summary>
    private BoltBucket? Child(RawEntry raw)
    {
        byte[][] path = [.. _path, raw.Key];
        string where = KeyText.Path(path);
        var value = raw.Value;
        if (path.Length > _store.Limits.MaxDepth)
        {
            _store.Problem(null, where, $"buckets nest deeper than {_store.Limits.MaxDepth}; not read");
            return null;
        }
        if (value.Length < BoltFormat.BucketHeaderSize)
        {
            _store.Problem(null, where, $"the bucket's value is {value.Length} bytes, shorter than its 16-byte header");
            return null;
        }
        ulong root = BoltFormat.U64(value, 0);
        ulong sequence = BoltFormat.U64(value, 8);
        ulong[] ancestors = [.. _ancestorRoots, RootPageId];
        if (root == 0)
        {
            return new BoltBucket(_store, path, 0, sequence, value[BoltFormat.BucketHeaderSize..], ancestors);
        }
        if (Array.IndexOf(ancestors, root) >= 0)
        {
            _store.Problem(root, where, $"the bucket's root page {root} is the root of a bucket above it (a cycle of buckets)");
            return null;
        }
        if (!_store.ClaimRoot(root, path, out string? holder))
        {
            _store.Problem(root, where, $"the bucket's root page {root} is already the root of another bucket ({holder})");
            return null;
        }
        return new BoltBucket(_store, path, root, sequence, null, ancestors);
    }
}
