namespace ContainerForensics.Sealing.Age;

/// <summary>Someone an age file is encrypted to: wraps the file key into one stanza.</summary>
public interface IAgeRecipient
{
    /// <summary>How the recipient is named in records and messages: the age1 key, or the SSH key's type and fingerprint.</summary>
    string Describe();

    AgeStanza Wrap(ReadOnlySpan<byte> fileKey);
}

/// <summary>Who can decrypt an age file: unwraps the file key from the stanza meant for it.</summary>
public interface IAgeIdentity
{
    string Describe();

    /// <summary>
    /// The file key from the first stanza addressed to this identity; null when none is (the file
    /// is for someone else). A stanza of its type that is malformed, or that names it and does
    /// not open, is an <see cref="AgeException"/>.
    /// </summary>
    byte[]? Unwrap(IReadOnlyList<AgeStanza> stanzas);
}
