namespace ContainerForensics.Tar;

/// <summary>
/// The tar stream is not a well-formed archive: a bad checksum, a malformed pax record, or an
/// archive cut off before its end-of-archive blocks. Carries the offset in the tar stream where
/// the problem was found, so an examiner can look at the bytes.
/// </summary>
public sealed class TarFormatException : Exception
{
    public TarFormatException()
    {
    }

    public TarFormatException(string message)
        : base(message)
    {
    }

    public TarFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TarFormatException(string message, long offset)
        : base($"{message} (at tar offset {offset})")
    {
        Offset = offset;
    }

    /// <summary>The offset in the (uncompressed) tar stream where the problem was found; -1 when unknown.</summary>
    public long Offset { get; } = -1;
}
