namespace ContainerForensics.Evidence;

/// <summary>
/// Checks SEAL.sig against the seal when an archive is verified (ContainerForensics.Sealing: SSH
/// signatures and allowed signers). The verifier hands it the seal's bytes, the signature's bytes
/// (null when the archive has none), when the seal says it was made, and the fingerprint of the
/// key the acquisition record says the seal was to be signed with (null when it says none).
/// </summary>
public interface ISealSignatureCheck
{
    SealSignatureVerdict Check(byte[] seal, byte[]? signature, DateTimeOffset? sealedAt, string? declaredKey);
}

/// <param name="Signer">Who or what signed, for the report; null when unsigned.</param>
/// <param name="Problem">Why the signature does not stand, for the report; null when it does (or when none was asked for).</param>
public sealed record SealSignatureVerdict(string? Signer, string? Problem);
