namespace ContainerForensics.Core.FileSystem.Trees;

/// <summary>File names are bytes: equality and order by their bytes, for sets and sorted lists of them.</summary>
internal sealed class ByteNames : IEqualityComparer<byte[]>, IComparer<byte[]>
{
    public static readonly ByteNames Instance = new();

    public bool Equals(byte[]? x, byte[]? y) => x is null ? y is null : y is not null && x.AsSpan().SequenceEqual(y);

    public int GetHashCode(byte[] obj)
    {
        var hash = new HashCode();
        hash.AddBytes(obj);
        return hash.ToHashCode();
    }

    public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
}
