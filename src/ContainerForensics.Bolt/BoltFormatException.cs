namespace ContainerForensics.Bolt;

/// <summary>A file that is no bbolt database this reader can use: neither meta page is valid.</summary>
public sealed class BoltFormatException : Exception
{
    public BoltFormatException()
    {
    }

    public BoltFormatException(string message)
        : base(message)
    {
    }

    public BoltFormatException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
