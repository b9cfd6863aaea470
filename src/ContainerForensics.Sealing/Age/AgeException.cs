namespace ContainerForensics.Sealing.Age;

/// <summary>What went wrong with an age file, in the classes of the C2SP age test vectors.</summary>
public enum AgeFailure
{
    /// <summary>The header does not parse (or names a version other than v1).</summary>
    Header,
    /// <summary>The header parses, but no identity given opens any of its stanzas.</summary>
    NoMatch,
    /// <summary>A file key was unwrapped, and the header's MAC does not match it: the header was changed.</summary>
    HeaderMac,
    /// <summary>The encrypted payload does not decrypt to its end: changed, cut, or followed by more data.</summary>
    Payload,
    /// <summary>Valid, but asks for something cfir does not do (a passphrase, a plugin, a post-quantum recipient).</summary>
    Unsupported,
}

/// <summary>An age file that cannot be decrypted, or an age key or recipient that cannot be read; the message says which and why.</summary>
public sealed class AgeException(AgeFailure failure, string message) : IOException(message)
{
    public AgeFailure Failure { get; } = failure;
}
