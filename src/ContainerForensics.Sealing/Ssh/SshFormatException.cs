namespace ContainerForensics.Sealing.Ssh;

/// <summary>SSH key, signature or agent bytes that do not follow their format; the message names what was read.</summary>
public class SshFormatException : Exception
{
    public SshFormatException(string message) : base(message)
    {
    }

    public SshFormatException(string message, Exception inner) : base(message, inner)
    {
    }
}
