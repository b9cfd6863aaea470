namespace ContainerForensics.Bolt;

/// <summary>One key of a bucket: exactly one of <paramref name="Value"/> (a plain key) and <paramref name="Bucket"/> (a nested bucket) is set.</summary>
public sealed record BoltEntry(byte[] Key, byte[]? Value, BoltBucket? Bucket)
{
    public bool IsBucket => Bucket is not null;
}
