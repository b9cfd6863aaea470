namespace ContainerForensics.Evidence;

/// <summary><c>--hash</c>: digests computed besides sha256 (which is always computed).</summary>
[Flags]
public enum ExtraHashes
{
    None = 0,
    Sha1 = 1,
    Md5 = 2,
}
