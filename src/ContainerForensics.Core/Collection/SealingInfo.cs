namespace ContainerForensics.Core.Collection;

/// <summary>
/// How the archive is sealed and delivered beyond its own hashes, for the acquisition record:
/// the key that signs the seal (never the key itself: its type and fingerprint) and whom the
/// archive is encrypted to. Plain strings: Core knows nothing of SSH or age.
/// </summary>
/// <param name="SigningKeyFingerprint">The signing key's fingerprint (<c>SHA256:...</c>, as ssh-keygen -l prints it); null when the seal is not signed.</param>
/// <param name="SigningKeyType">Its type (<c>ssh-ed25519</c>, ...).</param>
/// <param name="SigningKeyComment">Its comment, when it has one.</param>
/// <param name="SigningKeySource"><c>file</c> or <c>ssh-agent</c>.</param>
/// <param name="Encryption">The encryption format (<c>age-encryption.org/v1</c>); null when the archive is not encrypted.</param>
/// <param name="EncryptedTo">Each recipient: an age1 key, or an SSH key's type and fingerprint.</param>
public sealed record SealingInfo(
    string? SigningKeyFingerprint = null,
    string? SigningKeyType = null,
    string? SigningKeyComment = null,
    string? SigningKeySource = null,
    string? Encryption = null,
    IReadOnlyList<string>? EncryptedTo = null);
