namespace ContainerForensics.Sealing.Ssh;

/// <summary>A protected key without its passphrase, or with the wrong one.</summary>
public sealed class SshPassphraseException(string message) : SshFormatException(message);
