namespace ContainerForensics.Core.Evidence;

/// <summary>A range of a file that holds data; what lies between segments is a hole (reads as zeros).</summary>
public readonly record struct DataSegment(long Offset, long Length)
{
    public long End => Offset + Length;
}
