namespace ContainerForensics.Docker.Api;

/// <summary>
/// The multiplexed stream broke its format (unknown stream type, cut-off frame, error frame).
/// An <see cref="IOException"/>: what was read before it stays valid, the rest is lost.
/// </summary>
public sealed class MultiplexedStreamException(string message, long offset) : IOException(message)
{
    /// <summary>Byte offset in the multiplexed stream where the bad frame starts.</summary>
    public long Offset { get; } = offset;
}
