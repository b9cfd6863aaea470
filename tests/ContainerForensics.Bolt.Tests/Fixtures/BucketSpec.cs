using System.Text;

namespace ContainerForensics.Bolt.Tests.Fixtures;

/// <summary>What a bucket should hold, for <see cref="BoltFileBuilder"/>: keys in bytewise order, each a value or a nested bucket.</summary>
internal sealed class BucketSpec
{
    public SortedDictionary<byte[], object> Items { get; } = new(ByteOrder.Instance);

    public ulong Sequence { get; set; }

    /// <summary>Null: inline as bbolt decides (no nested bucket, at most a quarter page); true or false to force it.</summary>
    public bool? Inline { get; set; }

    public BucketSpec Put(string key, string value) => Put(Encoding.UTF8.GetBytes(key), Encoding.UTF8.GetBytes(value));

    public BucketSpec Put(byte[] key, byte[] value)
    {
        Items[key] = value;
        return this;
    }

    /// <summary>The nested bucket <paramref name="name"/>, made if absent.</summary>
    public BucketSpec Bucket(string name) => Bucket(Encoding.UTF8.GetBytes(name));

    public BucketSpec Bucket(byte[] name)
    {
        if (Items.TryGetValue(name, out var o) && o is BucketSpec b)
        {
            return b;
        }
        var made = new BucketSpec();
        Items[name] = made;
        return made;
    }

    /// <summary>Every key under this bucket as "path|key=value" (values and names in hex), depth first in key order: what a reader should give back.</summary>
    public IEnumerable<string> Flatten(string path = "")
    {
        foreach (var (key, item) in Items)
        {
            string name = Convert.ToHexStringLower(key);
            if (item is BucketSpec b)
            {
                yield return $"{path}|{name}/";
                foreach (var line in b.Flatten($"{path}/{name}"))
                {
                    yield return line;
                }
            }
            else
            {
                yield return $"{path}|{name}={Convert.ToHexStringLower((byte[])item)}";
            }
        }
    }
}

/// <summary>bbolt's key order: bytewise, a prefix first.</summary>
internal sealed class ByteOrder : IComparer<byte[]>
{
    public static ByteOrder Instance { get; } = new();

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
